//! Checks on one detection: fields and limits, schedule, MITRE mapping, entity mappings, custom
//! details, alert overrides, grouping (the rules Azure-Sentinel's own CI enforces, plus ARM's).
//!
//! Input: a loaded rule file and its model. Output: diagnostics located in the YAML file.

use std::sync::LazyLock;

use regex::Regex;

use super::{entities, mitre};
use crate::diag::Diagnostic;
use crate::diag::codes::{self, Check};
use crate::load::RuleFile;
use crate::model::rule::SEVERITIES;
use crate::model::{Duration, RuleKind};

static VERSION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d+\.\d+\.\d+$").expect("regex"));
static TECHNIQUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^T\d{4}(\.\d{3})?$").expect("regex"));
static DETAIL_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z]+\w*$").expect("regex"));
static COLUMN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-zA-Z_]+\w*$").expect("regex"));
static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{[^}]*\}\}").expect("regex"));

/// True for a GUID in 8-4-4-4-12 form.
pub fn is_guid(s: &str) -> bool {
    crate::model::names::is_guid(s)
}

/// True for `x.y.z`.
pub fn is_version(s: &str) -> bool {
    VERSION.is_match(s)
}

struct Ctx<'a> {
    rf: &'a RuleFile,
    out: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn error(
        &mut self,
        check: Check,
        path: &[&str],
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let span = self.rf.loaded.span(path);
        self.out.push(
            Diagnostic::error(check, self.rf.loaded.file, message)
                .at(span)
                .help_opt(help),
        );
    }

    fn warning(
        &mut self,
        check: Check,
        path: &[&str],
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let span = self.rf.loaded.span(path);
        self.out.push(
            Diagnostic::warning(check, self.rf.loaded.file, message)
                .at(span)
                .help_opt(help),
        );
    }
}

/// Runs every single-file check on a rule.
pub fn check_rule(rf: &RuleFile, out: &mut Vec<Diagnostic>) {
    let mut cx = Ctx { rf, out };
    let kind = rf.loaded.raw.kind.as_deref().and_then(RuleKind::parse);
    if let Some(kind) = kind.filter(|k| !k.has_query()) {
        check_common(&mut cx);
        check_version_status(&mut cx);
        super::rule_kind::check(cx.out, &rf.loaded, kind);
        check_misplaced(&mut cx);
        return;
    }
    if let Some(kind) = kind {
        super::rule_kind::check_query_rule(cx.out, &rf.loaded, kind);
    }
    check_common(&mut cx);
    check_fields(&mut cx);
    check_version_status(&mut cx);
    check_schedule(&mut cx);
    check_mitre(&mut cx);
    check_entities(&mut cx);
    check_details(&mut cx);
    check_grouping(&mut cx);
    check_misplaced(&mut cx);
}

/// What every kind shares: id and name.
fn check_common(cx: &mut Ctx<'_>) {
    let raw = &cx.rf.loaded.raw;
    // Sentinel names the Fusion rule it creates in every workspace `BuiltInFusion`: a
    // template-bound rule may keep such a plain name (letters, digits, `-`, `_`)
    let template_bound = raw
        .kind
        .as_deref()
        .and_then(RuleKind::parse)
        .is_some_and(RuleKind::is_template_bound);
    let id = raw.id.trim();
    let acceptable = is_guid(id) || (template_bound && crate::model::names::is_plain(id));
    if !acceptable {
        cx.error(
            codes::RULE_ID,
            &["id"],
            format!("`{}` is not a GUID", raw.id),
            Some("generate one with `uuidgen`".into()),
        );
    }
    let len = |s: &str| s.chars().count();
    if raw.name.trim().is_empty() || len(&raw.name) > 256 {
        cx.error(
            codes::FIELD_LIMIT,
            &["name"],
            format!(
                "`name` must have 1 to 256 characters (has {})",
                len(&raw.name)
            ),
            None,
        );
    }
}

/// Version and status, which every kind has too.
fn check_version_status(cx: &mut Ctx<'_>) {
    let raw = &cx.rf.loaded.raw;
    if let Some(v) = raw.version.as_deref().filter(|v| !is_version(v)) {
        cx.error(
            codes::VERSION,
            &["version"],
            format!("`{v}` is not a version like `1.0.0`"),
            None,
        );
    }
    if let Some(s) = raw
        .status
        .as_deref()
        .filter(|s| !["Available", "InPreview", "Deprecated"].contains(s))
    {
        cx.warning(
            codes::STATUS,
            &["status"],
            format!("`{s}` is not a rule status"),
            Some("use Available, InPreview or Deprecated".into()),
        );
    }
}

/// The fields of query rules: description, severity, query, trigger.
fn check_fields(cx: &mut Ctx<'_>) {
    let raw = &cx.rf.loaded.raw;
    let len = |s: &str| s.chars().count();
    match &raw.description {
        None => cx.error(
            codes::MISSING_KEY,
            &[],
            "missing required key `description`",
            Some("say what the rule catches, why it matters and its false positives".into()),
        ),
        Some(d) if len(d) > 5000 => cx.error(
            codes::FIELD_LIMIT,
            &["description"],
            format!("`description` has {} characters, more than 5000", len(d)),
            None,
        ),
        Some(_) => {}
    }
    match raw.severity.as_deref() {
        None => cx.error(
            codes::MISSING_KEY,
            &[],
            "missing required key `severity`",
            Some("add `severity: Medium` (Informational, Low, Medium or High)".into()),
        ),
        Some(s) if !SEVERITIES.contains(&s) => {
            let hint = crate::load::de::suggest(s, SEVERITIES)
                .map_or("use Informational, Low, Medium or High".to_string(), |x| {
                    format!("did you mean `{x}`?")
                });
            cx.error(
                codes::FIELD_LIMIT,
                &["severity"],
                format!("`{s}` is not a severity"),
                Some(hint),
            );
        }
        Some(_) => {}
    }
    match raw.query.as_deref() {
        None => cx.error(
            codes::MISSING_KEY,
            &[],
            "missing required key `query`",
            None,
        ),
        Some(q) if q.trim().is_empty() => {
            cx.error(codes::FIELD_LIMIT, &["query"], "the query is empty", None);
        }
        Some(q) if len(q) > 10_000 => cx.error(
            codes::FIELD_LIMIT,
            &["query"],
            format!("the query has {} characters, more than 10,000", len(q)),
            Some("move shared logic into a function in `functions/`".into()),
        ),
        Some(_) => {}
    }
    if let Some(t) = raw.trigger_threshold.filter(|t| !(0..=10_000).contains(t)) {
        cx.error(
            codes::FIELD_LIMIT,
            &["triggerThreshold"],
            format!("`triggerThreshold` {t} is outside 0…10000"),
            None,
        );
    }
}

fn check_schedule(cx: &mut Ctx<'_>) {
    let raw = &cx.rf.loaded.raw;
    let kind = raw.kind.as_deref().and_then(RuleKind::parse);
    if kind == Some(RuleKind::Nrt) {
        for (key, present) in [
            ("queryFrequency", raw.query_frequency.is_some()),
            ("queryPeriod", raw.query_period.is_some()),
            ("triggerOperator", raw.trigger_operator.is_some()),
            ("triggerThreshold", raw.trigger_threshold.is_some()),
        ] {
            if present {
                cx.error(codes::SCHEDULE, &[key], format!("NRT rules do not take `{key}`"), Some("NRT rules run every minute over new data; remove the key or use `kind: Scheduled`".into()));
            }
        }
        return;
    }
    if kind != Some(RuleKind::Scheduled) {
        return;
    }
    for (key, present) in [
        ("queryFrequency", raw.query_frequency.is_some()),
        ("queryPeriod", raw.query_period.is_some()),
        ("triggerOperator", raw.trigger_operator.is_some()),
        ("triggerThreshold", raw.trigger_threshold.is_some()),
    ] {
        if !present {
            cx.error(
                codes::MISSING_KEY,
                &[],
                format!("missing required key `{key}` for a Scheduled rule"),
                None,
            );
        }
    }
    let freq = raw.query_frequency.as_deref().and_then(Duration::parse);
    let period = raw.query_period.as_deref().and_then(Duration::parse);
    let (min, max) = (Duration::minutes(5), Duration::days(14));
    if let Some(f) = freq.filter(|f| *f < min || *f > max) {
        cx.error(
            codes::SCHEDULE,
            &["queryFrequency"],
            format!("queryFrequency {f} is outside 5m…14d"),
            None,
        );
    }
    if let Some(p) = period.filter(|p| *p < min || *p > max) {
        cx.error(
            codes::SCHEDULE,
            &["queryPeriod"],
            format!("queryPeriod {p} is outside 5m…14d"),
            None,
        );
    }
    if let (Some(f), Some(p)) = (freq, period) {
        if p < f {
            cx.error(
                codes::SCHEDULE,
                &["queryPeriod"],
                format!("queryPeriod {p} is shorter than queryFrequency {f}"),
                Some(
                    "the period must cover at least one frequency interval, or events are missed"
                        .into(),
                ),
            );
        }
        if p >= Duration::days(2) && f < Duration::hours(1) {
            cx.error(
                codes::SCHEDULE,
                &["queryFrequency"],
                format!("queryFrequency {f} is under 1h while queryPeriod {p} is 2d or more"),
                Some("ARM requires a frequency of at least 1h for long periods".into()),
            );
        }
    }
}

fn check_mitre(cx: &mut Ctx<'_>) {
    let raw = cx.rf.loaded.raw.clone();
    let tactics = raw.tactics.unwrap_or_default();
    for (i, t) in tactics.iter().enumerate() {
        if !mitre::is_tactic(t) {
            let help = mitre::tactic_suggestion(t).map(|s| format!("did you mean `{s}`?"));
            cx.error(
                codes::TACTIC,
                &["tactics", &i.to_string()],
                format!("`{t}` is not a MITRE ATT&CK tactic"),
                help,
            );
        }
    }
    let mut all: Vec<(String, &str, usize)> = Vec::new();
    all.extend(
        raw.relevant_techniques
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, t)| (t.clone(), "relevantTechniques", i)),
    );
    all.extend(
        raw.sub_techniques
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, t)| (t.clone(), "subTechniques", i)),
    );
    for (t, key, i) in all {
        let path = [key, &i.to_string()];
        if !TECHNIQUE.is_match(&t) {
            cx.error(
                codes::TECHNIQUE,
                &path,
                format!("`{t}` is not a technique id"),
                Some("write `T1234` or `T1234.001`".into()),
            );
            continue;
        }
        let Some(owners) = mitre::technique_tactics(&t) else {
            cx.warning(
                codes::TECHNIQUE,
                &path,
                format!("`{t}` is not a known MITRE ATT&CK technique"),
                None,
            );
            continue;
        };
        if mitre::is_known_subtechnique(&t) == Some(false) && t.contains('.') {
            cx.warning(
                codes::TECHNIQUE,
                &path,
                format!("`{t}` is not a known sub-technique"),
                None,
            );
        }
        // A misspelt tactic is reported once (SC3006); count it as meant for this check.
        let listed = |o: &&str| {
            tactics
                .iter()
                .any(|t| t == o || mitre::tactic_suggestion(t) == Some(*o))
        };
        if !owners.iter().any(listed) {
            cx.error(
                codes::TECHNIQUE_TACTIC,
                &path,
                format!(
                    "technique `{t}` belongs to {} but `tactics` lists none of them",
                    owners.join(", ")
                ),
                Some(format!("add `{}` to `tactics`", owners[0])),
            );
        }
    }
}

fn check_entities(cx: &mut Ctx<'_>) {
    let mappings = cx.rf.loaded.raw.entity_mappings.clone().unwrap_or_default();
    if mappings.len() > 10 {
        cx.error(
            codes::ENTITY_MAPPING,
            &["entityMappings"],
            format!("{} entity mappings, more than 10", mappings.len()),
            None,
        );
    }
    for (i, m) in mappings.iter().enumerate() {
        let idx = i.to_string();
        let Some(valid) = entities::identifiers(&m.entity_type) else {
            let help = crate::load::de::suggest(&m.entity_type, entities::ENTITY_TYPES)
                .map(|s| format!("did you mean `{s}`?"));
            cx.error(
                codes::ENTITY_MAPPING,
                &["entityMappings", &idx, "entityType"],
                format!("`{}` is not an entity type", m.entity_type),
                help,
            );
            continue;
        };
        if m.field_mappings.is_empty() || m.field_mappings.len() > 3 {
            cx.error(
                codes::ENTITY_MAPPING,
                &["entityMappings", &idx, "fieldMappings"],
                format!(
                    "{} field mappings; an entity takes 1 to 3",
                    m.field_mappings.len()
                ),
                None,
            );
        }
        let mut seen = Vec::new();
        for (j, f) in m.field_mappings.iter().enumerate() {
            let jdx = j.to_string();
            if !valid.contains(&f.identifier.as_str()) {
                let help = entities::suggest_identifier(&m.entity_type, &f.identifier).map_or_else(
                    || format!("valid identifiers: {}", valid.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                cx.error(
                    codes::ENTITY_MAPPING,
                    &["entityMappings", &idx, "fieldMappings", &jdx, "identifier"],
                    format!(
                        "`{}` is not an identifier of `{}`",
                        f.identifier, m.entity_type
                    ),
                    Some(help),
                );
            } else if seen.contains(&f.identifier.as_str()) {
                cx.error(
                    codes::ENTITY_MAPPING,
                    &["entityMappings", &idx, "fieldMappings", &jdx, "identifier"],
                    format!("identifier `{}` is mapped twice", f.identifier),
                    None,
                );
            }
            seen.push(f.identifier.as_str());
            if !COLUMN.is_match(&f.column_name) || f.column_name.len() > 500 {
                cx.error(
                    codes::ENTITY_MAPPING,
                    &["entityMappings", &idx, "fieldMappings", &jdx, "columnName"],
                    format!("`{}` is not a column name", f.column_name),
                    None,
                );
            }
        }
        // An invalid identifier is already an error; judging strength would only repeat it.
        let all_valid = m
            .field_mappings
            .iter()
            .all(|f| valid.contains(&f.identifier.as_str()));
        if all_valid && !seen.is_empty() && !entities::is_sufficient(&m.entity_type, &seen) {
            cx.warning(
                codes::ENTITY_MAPPING,
                &["entityMappings", &idx],
                format!(
                    "the identifiers {} do not identify a `{}` on their own",
                    seen.join(", "),
                    m.entity_type
                ),
                Some("add a strong identifier (see `sentinelctl explain SC3009`)".into()),
            );
        }
    }
}

fn check_details(cx: &mut Ctx<'_>) {
    let raw = cx.rf.loaded.raw.clone();
    if let Some(details) = &raw.custom_details {
        if details.len() > 20 {
            cx.error(
                codes::CUSTOM_DETAILS,
                &["customDetails"],
                format!("{} custom details, more than 20", details.len()),
                None,
            );
        }
        for (k, v) in details {
            if !DETAIL_KEY.is_match(k) || k.len() > 20 {
                cx.error(
                    codes::CUSTOM_DETAILS,
                    &["customDetails", k],
                    format!(
                        "custom detail key `{k}` must be letters then word characters, at most 20"
                    ),
                    None,
                );
            }
            if !COLUMN.is_match(v) || v.len() > 500 {
                cx.error(
                    codes::CUSTOM_DETAILS,
                    &["customDetails", k],
                    format!("custom detail `{k}` must name a column, not `{v}`"),
                    None,
                );
            }
        }
    }
    if let Some(o) = &raw.alert_details_override {
        for (key, text, limit) in [
            ("alertDisplayNameFormat", &o.alert_display_name_format, 256),
            ("alertDescriptionFormat", &o.alert_description_format, 5000),
        ] {
            let Some(text) = text else { continue };
            let n = PLACEHOLDER.find_iter(text).count();
            if n > 3 {
                cx.error(
                    codes::ALERT_OVERRIDE,
                    &["alertDetailsOverride", key],
                    format!("{n} `{{{{column}}}}` placeholders, more than 3"),
                    None,
                );
            }
            if text.chars().count() > limit {
                cx.error(
                    codes::ALERT_OVERRIDE,
                    &["alertDetailsOverride", key],
                    format!("`{key}` is longer than {limit} characters"),
                    None,
                );
            }
        }

        for (i, p) in o.alert_dynamic_properties.iter().flatten().enumerate() {
            if !ALERT_PROPERTIES.contains(&p.alert_property.as_str()) {
                let help = crate::load::de::suggest(&p.alert_property, ALERT_PROPERTIES)
                    .map(|s| format!("did you mean `{s}`?"));
                cx.error(
                    codes::ALERT_OVERRIDE,
                    &[
                        "alertDetailsOverride",
                        "alertDynamicProperties",
                        &i.to_string(),
                        "alertProperty",
                    ],
                    format!("`{}` is not an alert property", p.alert_property),
                    help,
                );
            }
        }
    }
}

const ALERT_PROPERTIES: &[&str] = &[
    "AlertLink",
    "ConfidenceLevel",
    "ConfidenceScore",
    "ExtendedLinks",
    "ProductName",
    "ProviderName",
    "ProductComponentName",
    "RemediationSteps",
    "Techniques",
    "SubTechniques",
];

fn check_grouping(cx: &mut Ctx<'_>) {
    let raw = cx.rf.loaded.raw.clone();
    if let Some(kind) = raw
        .event_grouping_settings
        .as_ref()
        .and_then(|e| e.aggregation_kind.as_deref())
        && !["SingleAlert", "AlertPerResult"].contains(&kind)
    {
        cx.error(
            codes::GROUPING,
            &["eventGroupingSettings", "aggregationKind"],
            format!("`{kind}` is not an aggregation kind"),
            Some("use SingleAlert or AlertPerResult".into()),
        );
    }
    let Some(g) = raw
        .incident_configuration
        .as_ref()
        .and_then(|i| i.grouping_configuration.as_ref())
    else {
        return;
    };
    let base = ["incidentConfiguration", "groupingConfiguration"];
    if let Some(m) = g
        .matching_method
        .as_deref()
        .filter(|m| !["AllEntities", "AnyAlert", "Selected"].contains(m))
    {
        cx.error(
            codes::GROUPING,
            &[base[0], base[1], "matchingMethod"],
            format!("`{m}` is not a matching method"),
            Some("use AllEntities, AnyAlert or Selected".into()),
        );
    }
    if let Some(l) = g.lookback_duration.as_deref() {
        match Duration::parse(l) {
            None => cx.error(
                codes::GROUPING,
                &[base[0], base[1], "lookbackDuration"],
                format!("`{l}` is not a duration"),
                None,
            ),
            Some(d) if d < Duration::minutes(5) || d > Duration::days(7) => {
                cx.error(
                    codes::GROUPING,
                    &[base[0], base[1], "lookbackDuration"],
                    format!("lookbackDuration {d} is outside 5m…7d"),
                    None,
                );
            }
            Some(_) => {}
        }
    }
}

fn check_misplaced(cx: &mut Ctx<'_>) {
    let raw = cx.rf.loaded.raw.clone();
    for (key, present) in [
        ("source", raw.source.is_some()),
        ("author", raw.author.is_some()),
        ("support", raw.support.is_some()),
        ("categories", raw.categories.is_some()),
    ] {
        if present {
            let span = cx.rf.loaded.doc.key_span(&[key]).unwrap_or(0..0);
            cx.out.push(
                Diagnostic::warning(
                    codes::MISPLACED_KEY,
                    cx.rf.loaded.file,
                    format!("`{key}` belongs under `metadata:`"),
                )
                .at(span)
                .help("indent it under `metadata:`"),
            );
        }
    }
}
