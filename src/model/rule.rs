//! [`AnalyticsRule`]: what a detection means, independent of how it was written or sent.
//!
//! Built from a `detections/*.yaml` file ([`AnalyticsRule::from_yaml`]) or from what ARM returns
//! ([`AnalyticsRule::from_arm`]), and turned into ARM `alertRules` properties with
//! [`AnalyticsRule::to_arm`]. This file is the one place the YAML ↔ ARM mapping lives
//! (documented in `docs/content-format.md`). Normalisation happens here, so two rules that mean
//! the same compare equal: durations as durations, `gt` ≡ `GreaterThan`, CRLF ≡ LF, absent ≡
//! server default, sets (tactics, techniques) sorted.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::duration::Duration;
use super::problem::Problem;
use super::text::normalize_query;
use crate::diag::codes;
use crate::schema::YamlRule;

/// The kind of an analytics rule (the ARM `kind` discriminator).
///
/// Two families: *query* rules (Scheduled, NRT) carry KQL and everything around it; the others do
/// not. Fusion, MLBehaviorAnalytics and ThreatIntelligence rules are *template-bound*: they switch
/// on a built-in Microsoft template (`alertRuleTemplateName`) whose display fields are read-only;
/// MicrosoftSecurityIncidentCreation rules turn other Microsoft products' alerts into incidents,
/// through filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum RuleKind {
    /// Runs on a schedule over a period.
    Scheduled,
    /// Near-real-time: runs every minute over new data.
    #[serde(rename = "NRT")]
    Nrt,
    /// Fusion correlation (template-bound).
    Fusion,
    /// Incidents from the alerts of a Microsoft security product.
    MicrosoftSecurityIncidentCreation,
    /// Machine-learning behaviour analytics (template-bound).
    #[serde(rename = "MLBehaviorAnalytics")]
    MlBehaviorAnalytics,
    /// Microsoft threat-intelligence matching (template-bound).
    ThreatIntelligence,
}

impl RuleKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [RuleKind; 6] = [
        Self::Scheduled,
        Self::Nrt,
        Self::Fusion,
        Self::MicrosoftSecurityIncidentCreation,
        Self::MlBehaviorAnalytics,
        Self::ThreatIntelligence,
    ];

    /// ARM `kind` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "Scheduled",
            Self::Nrt => "NRT",
            Self::Fusion => "Fusion",
            Self::MicrosoftSecurityIncidentCreation => "MicrosoftSecurityIncidentCreation",
            Self::MlBehaviorAnalytics => "MLBehaviorAnalytics",
            Self::ThreatIntelligence => "ThreatIntelligence",
        }
    }

    /// Parses the YAML or ARM spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "NRT" | "Nrt" => Some(Self::Nrt),
            _ => Self::ALL.into_iter().find(|k| k.as_str() == s),
        }
    }

    /// True for the kinds that run a KQL query (Scheduled, NRT): only they have a query to
    /// validate, test, simulate or count in coverage.
    pub fn has_query(self) -> bool {
        matches!(self, Self::Scheduled | Self::Nrt)
    }

    /// True for the kinds bound to a built-in template (Fusion, MLBehaviorAnalytics,
    /// ThreatIntelligence): the file names the template and whether it is on; everything else
    /// comes from the template.
    pub fn is_template_bound(self) -> bool {
        matches!(
            self,
            Self::Fusion | Self::MlBehaviorAnalytics | Self::ThreatIntelligence
        )
    }
}

/// `productFilter` values of MicrosoftSecurityIncidentCreation rules (the contract's
/// `MicrosoftSecurityProductName`).
pub const PRODUCTS: &[&str] = &[
    "Microsoft Cloud App Security",
    "Azure Security Center",
    "Azure Advanced Threat Protection",
    "Azure Active Directory Identity Protection",
    "Azure Security Center for IoT",
];

/// Allowed severities, as ARM spells them.
pub const SEVERITIES: &[&str] = &["Informational", "Low", "Medium", "High"];
/// Trigger operators: (YAML short form, ARM form).
pub const OPERATORS: &[(&str, &str)] = &[
    ("gt", "GreaterThan"),
    ("lt", "LessThan"),
    ("eq", "Equal"),
    ("ne", "NotEqual"),
];

/// Default suppression duration when the file has none (what the portal proposes).
pub const DEFAULT_SUPPRESSION: Duration = Duration::hours(5);

/// A detection, normalised. Serialises to ARM `alertRules` properties.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsRule {
    /// Resource name: the rule GUID, lower case.
    #[serde(skip)]
    pub name: String,
    /// Rule kind.
    #[serde(skip)]
    pub kind: RuleKind,
    /// Content version `x.y.z` (metadata only).
    #[serde(skip)]
    pub version: Option<String>,
    /// `displayName`.
    pub display_name: String,
    /// `description`.
    pub description: String,
    /// `severity`.
    pub severity: String,
    /// `enabled`.
    pub enabled: bool,
    /// `query`, normalised (LF, no trailing blank lines).
    pub query: String,
    /// `queryFrequency` (Scheduled).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "iso_opt")]
    pub query_frequency: Option<Duration>,
    /// `queryPeriod` (Scheduled).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "iso_opt")]
    pub query_period: Option<Duration>,
    /// `triggerOperator` in ARM form (Scheduled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_operator: Option<String>,
    /// `triggerThreshold` (Scheduled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_threshold: Option<i64>,
    /// `suppressionEnabled`.
    pub suppression_enabled: bool,
    /// `suppressionDuration`.
    #[serde(serialize_with = "iso")]
    pub suppression_duration: Duration,
    /// `tactics`, sorted.
    pub tactics: Vec<String>,
    /// `techniques` (parents), sorted.
    pub techniques: Vec<String>,
    /// `subTechniques`, sorted.
    pub sub_techniques: Vec<String>,
    /// `entityMappings` as ARM JSON (order kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_mappings: Option<Value>,
    /// `sentinelEntitiesMappings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentinel_entities_mappings: Option<Value>,
    /// `customDetails`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_details: Option<BTreeMap<String, String>>,
    /// `alertDetailsOverride`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_details_override: Option<Value>,
    /// `eventGroupingSettings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_grouping_settings: Option<Value>,
    /// `incidentConfiguration` with defaults filled in (`null` for kinds without a query).
    pub incident_configuration: Value,
    /// Template-bound kinds: `alertRuleTemplateName`, lower case. `None` for the other kinds,
    /// whose template link (a Scheduled rule enabled from Content hub) is not managed: it is kept
    /// from the live rule.
    #[serde(skip)]
    pub alert_rule_template_name: Option<String>,
    /// MicrosoftSecurityIncidentCreation: `productFilter`, the product whose alerts become incidents.
    #[serde(skip)]
    pub product_filter: Option<String>,
    /// MicrosoftSecurityIncidentCreation: `severitiesFilter`, sorted (empty: every severity).
    #[serde(skip)]
    pub severities_filter: Vec<String>,
    /// MicrosoftSecurityIncidentCreation: `displayNamesFilter`, sorted (empty: every alert).
    #[serde(skip)]
    pub display_names_filter: Vec<String>,
    /// MicrosoftSecurityIncidentCreation: `displayNamesExcludeFilter`, sorted.
    #[serde(skip)]
    pub display_names_exclude_filter: Vec<String>,
}

#[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)] // serde's serialize_with signature
fn iso_opt<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_iso()),
        None => s.serialize_none(),
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with signature
fn iso<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_iso())
}

/// The strings of array property `k` of `p`, sorted (non-strings skipped; absent: empty).
fn string_list(p: &serde_json::Map<String, Value>, k: &str) -> Vec<String> {
    sorted(
        p.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Splits `relevantTechniques` + `subTechniques` into ARM's parents and sub-techniques.
pub fn split_techniques(relevant: &[String], sub: &[String]) -> (Vec<String>, Vec<String>) {
    let mut parents = Vec::new();
    let mut subs: Vec<String> = sub.to_vec();
    for t in relevant {
        match t.split_once('.') {
            Some((parent, _)) => {
                parents.push(parent.to_string());
                subs.push(t.clone());
            }
            None => parents.push(t.clone()),
        }
    }
    for s in &subs {
        if let Some((parent, _)) = s.split_once('.') {
            parents.push(parent.to_string());
        }
    }
    (sorted(parents), sorted(subs))
}

/// Fills the service's defaults into an incident configuration, so absent ≡ default.
fn incident_configuration(create: Option<bool>, grouping: Option<Value>) -> Value {
    let mut g = json!({
        "enabled": false,
        "reopenClosedIncident": false,
        "lookbackDuration": "PT5H",
        "matchingMethod": "AllEntities",
        "groupByEntities": [],
        "groupByAlertDetails": [],
        "groupByCustomDetails": [],
    });
    if let (Some(Value::Object(given)), Value::Object(base)) = (grouping, &mut g) {
        for (k, v) in given {
            if v.is_null() {
                continue;
            }
            let v = match (k.as_str(), &v) {
                ("lookbackDuration", Value::String(s)) => {
                    Duration::parse(s).map_or(v.clone(), |d| Value::String(d.to_iso()))
                }
                (
                    "groupByEntities" | "groupByAlertDetails" | "groupByCustomDetails",
                    Value::Array(a),
                ) => {
                    let mut a: Vec<String> = a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect();
                    a.sort();
                    json!(a)
                }
                _ => v,
            };
            base.insert(k, v);
        }
    }
    json!({ "createIncident": create.unwrap_or(true), "groupingConfiguration": g })
}

/// The service's default event grouping (`SingleAlert`) when none is given.
fn event_grouping(given: Option<Value>) -> Value {
    given.unwrap_or_else(|| json!({"aggregationKind": "SingleAlert"}))
}

fn non_empty_object(v: Option<Value>) -> Option<Value> {
    match v.map(strip_empty) {
        Some(Value::Object(m)) if m.is_empty() => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(Value::Null) | None => None,
        Some(v) => Some(v),
    }
}

/// Drops null values and empty lists from objects (the service fills them in as defaults).
fn strip_empty(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, strip_empty(v)))
                .filter(|(_, v)| !v.is_null() && !matches!(v, Value::Array(a) if a.is_empty()))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_empty).collect()),
        v => v,
    }
}

impl AnalyticsRule {
    /// Interprets a rule file. Problems carry the YAML path they are about.
    pub fn from_yaml(raw: &YamlRule) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let kind = match raw.kind.as_deref() {
            None => {
                problems.push(
                    Problem::new(codes::RULE_KIND, &[], "missing required key `kind`")
                        .help("add `kind: Scheduled` or `kind: NRT` (or Fusion, MicrosoftSecurityIncidentCreation, MLBehaviorAnalytics, ThreatIntelligence)"),
                );
                RuleKind::Scheduled
            }
            Some(k) => RuleKind::parse(k).unwrap_or_else(|| {
                problems.push(
                    Problem::new(
                        codes::RULE_KIND,
                        &["kind"],
                        format!("unknown rule kind `{k}`"),
                    )
                    .help(crate::diag::suggest(k, &RuleKind::ALL.map(RuleKind::as_str)).map_or_else(
                        || "use `Scheduled`, `NRT`, `Fusion`, `MicrosoftSecurityIncidentCreation`, `MLBehaviorAnalytics` or `ThreatIntelligence`".to_string(),
                        |s| format!("did you mean `{s}`?"),
                    )),
                );
                RuleKind::Scheduled
            }),
        };
        let duration = |key: &str, text: &Option<String>, problems: &mut Vec<Problem>| {
            text.as_deref().and_then(|t| {
                let d = Duration::parse(t);
                if d.is_none() {
                    problems.push(
                        Problem::new(
                            codes::INVALID_VALUE,
                            &[key],
                            format!("`{t}` is not a duration"),
                        )
                        .help("write it as `5m`, `1h`, `1d` or ISO-8601 `PT1H`"),
                    );
                }
                d
            })
        };
        let query_frequency = duration("queryFrequency", &raw.query_frequency, &mut problems);
        let query_period = duration("queryPeriod", &raw.query_period, &mut problems);
        let suppression_duration = duration(
            "suppressionDuration",
            &raw.suppression_duration,
            &mut problems,
        )
        .unwrap_or(DEFAULT_SUPPRESSION);
        let trigger_operator = raw.trigger_operator.as_deref().and_then(|op| {
            let arm = OPERATORS
                .iter()
                .find(|(short, long)| op == *short || op == *long)
                .map(|(_, long)| (*long).to_string());
            if arm.is_none() {
                problems.push(
                    Problem::new(
                        codes::INVALID_VALUE,
                        &["triggerOperator"],
                        format!("unknown trigger operator `{op}`"),
                    )
                    .help("use `gt`, `lt`, `eq` or `ne`"),
                );
            }
            arm
        });
        let (techniques, sub_techniques) = split_techniques(
            raw.relevant_techniques.as_deref().unwrap_or_default(),
            raw.sub_techniques.as_deref().unwrap_or_default(),
        );
        if !kind.has_query() {
            return if problems.is_empty() {
                Ok(Self::without_query(raw, kind))
            } else {
                Err(problems)
            };
        }
        let rule = Self {
            name: raw.id.trim().to_ascii_lowercase(),
            kind,
            version: raw.version.clone(),
            display_name: raw.name.clone(),
            description: super::trimmed_end(raw.description.as_deref()),
            severity: raw.severity.clone().unwrap_or_default(),
            enabled: raw.enabled.unwrap_or(true),
            query: normalize_query(raw.query.as_deref().unwrap_or_default()),
            query_frequency: if kind == RuleKind::Scheduled {
                query_frequency
            } else {
                None
            },
            query_period: if kind == RuleKind::Scheduled {
                query_period
            } else {
                None
            },
            trigger_operator: if kind == RuleKind::Scheduled {
                trigger_operator
            } else {
                None
            },
            trigger_threshold: if kind == RuleKind::Scheduled {
                raw.trigger_threshold
            } else {
                None
            },
            suppression_enabled: raw.suppression_enabled.unwrap_or(false),
            suppression_duration,
            tactics: sorted(raw.tactics.clone().unwrap_or_default()),
            techniques,
            sub_techniques,
            entity_mappings: non_empty_object(raw.entity_mappings.as_ref().map(to_json)),
            sentinel_entities_mappings: non_empty_object(
                raw.sentinel_entities_mappings.as_ref().map(to_json),
            ),
            custom_details: raw.custom_details.clone().filter(|m| !m.is_empty()),
            alert_details_override: non_empty_object(
                raw.alert_details_override.as_ref().map(to_json),
            ),
            event_grouping_settings: Some(event_grouping(non_empty_object(
                raw.event_grouping_settings.as_ref().map(to_json),
            ))),
            incident_configuration: incident_configuration(
                raw.incident_configuration
                    .as_ref()
                    .and_then(|c| c.create_incident),
                raw.incident_configuration
                    .as_ref()
                    .and_then(|c| c.grouping_configuration.as_ref())
                    .map(to_json),
            ),
            alert_rule_template_name: None,
            product_filter: None,
            severities_filter: Vec::new(),
            display_names_filter: Vec::new(),
            display_names_exclude_filter: Vec::new(),
        };
        if problems.is_empty() {
            Ok(rule)
        } else {
            Err(problems)
        }
    }

    /// A rule of a kind without a query (see [`RuleKind::has_query`]) from its file. Only what
    /// the kind manages is read; keys that do not apply to the kind are reported by validation
    /// (SC3019), never deployed.
    fn without_query(raw: &YamlRule, kind: RuleKind) -> Self {
        let incident_creation = kind == RuleKind::MicrosoftSecurityIncidentCreation;
        let list = |v: &Option<Vec<String>>| {
            if incident_creation {
                sorted(v.clone().unwrap_or_default())
            } else {
                Vec::new()
            }
        };
        Self {
            name: raw.id.trim().to_ascii_lowercase(),
            kind,
            version: raw.version.clone(),
            display_name: raw.name.clone(),
            description: if incident_creation {
                super::trimmed_end(raw.description.as_deref())
            } else {
                String::new()
            },
            severity: String::new(),
            enabled: raw.enabled.unwrap_or(true),
            alert_rule_template_name: raw
                .alert_rule_template_name
                .as_deref()
                .filter(|_| kind.is_template_bound())
                .map(|t| t.trim().to_ascii_lowercase()),
            product_filter: raw.product_filter.clone().filter(|_| incident_creation),
            severities_filter: list(&raw.severities_filter),
            display_names_filter: list(&raw.display_names_filter),
            display_names_exclude_filter: list(&raw.display_names_exclude_filter),
            ..Self::query_less(kind)
        }
    }

    /// A rule of a kind without a query (Fusion, ML, TI, incident creation): every query-related
    /// field empty; callers fill in what the kind has.
    fn query_less(kind: RuleKind) -> Self {
        Self {
            name: String::new(),
            kind,
            version: None,
            display_name: String::new(),
            description: String::new(),
            severity: String::new(),
            enabled: false,
            query: String::new(),
            query_frequency: None,
            query_period: None,
            trigger_operator: None,
            trigger_threshold: None,
            suppression_enabled: false,
            suppression_duration: DEFAULT_SUPPRESSION,
            tactics: Vec::new(),
            techniques: Vec::new(),
            sub_techniques: Vec::new(),
            entity_mappings: None,
            sentinel_entities_mappings: None,
            custom_details: None,
            alert_details_override: None,
            event_grouping_settings: None,
            incident_configuration: Value::Null,
            alert_rule_template_name: None,
            product_filter: None,
            severities_filter: Vec::new(),
            display_names_filter: Vec::new(),
            display_names_exclude_filter: Vec::new(),
        }
    }

    /// ARM `properties` for a PUT: exactly the properties sentinelctl manages for the rule's kind
    /// (the same lists as `sentinel_arm`'s `*_MANAGED`); the rest of a live rule is kept.
    pub fn to_arm(&self) -> Value {
        let mut p = serde_json::Map::new();
        match self.kind {
            RuleKind::Scheduled | RuleKind::Nrt => {
                return serde_json::to_value(self).unwrap_or(Value::Null);
            }
            RuleKind::Fusion | RuleKind::MlBehaviorAnalytics | RuleKind::ThreatIntelligence => {
                if let Some(t) = &self.alert_rule_template_name {
                    p.insert("alertRuleTemplateName".into(), json!(t));
                }
                p.insert("enabled".into(), json!(self.enabled));
            }
            RuleKind::MicrosoftSecurityIncidentCreation => {
                p.insert("displayName".into(), json!(self.display_name));
                if !self.description.is_empty() {
                    p.insert("description".into(), json!(self.description));
                }
                p.insert("enabled".into(), json!(self.enabled));
                if let Some(f) = &self.product_filter {
                    p.insert("productFilter".into(), json!(f));
                }
                for (k, v) in [
                    ("severitiesFilter", &self.severities_filter),
                    ("displayNamesFilter", &self.display_names_filter),
                    (
                        "displayNamesExcludeFilter",
                        &self.display_names_exclude_filter,
                    ),
                ] {
                    if !v.is_empty() {
                        p.insert(k.into(), json!(v));
                    }
                }
            }
        }
        Value::Object(p)
    }

    /// Interprets an ARM `alertRules` resource. Returns `None` for kinds sentinelctl does not know.
    pub fn from_arm(resource: &Value) -> Option<Self> {
        let kind = RuleKind::parse(resource.get("kind")?.as_str()?)?;
        let name = resource.get("name")?.as_str()?.to_ascii_lowercase();
        let p = resource.get("properties")?.as_object()?;
        if !kind.has_query() {
            return Some(Self::from_arm_without_query(name, kind, p));
        }
        let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
        let d = |k: &str| p.get(k).and_then(Value::as_str).and_then(Duration::parse);
        let list = |k: &str| string_list(p, k);
        let obj = |k: &str| non_empty_object(p.get(k).cloned());
        let incident = p.get("incidentConfiguration");
        Some(Self {
            name,
            kind,
            version: None,
            display_name: s("displayName").unwrap_or_default(),
            description: s("description")
                .unwrap_or_default()
                .trim_end()
                .replace("\r\n", "\n"),
            severity: s("severity").unwrap_or_default(),
            enabled: p.get("enabled").and_then(Value::as_bool).unwrap_or(false),
            query: normalize_query(&s("query").unwrap_or_default()),
            query_frequency: d("queryFrequency").filter(|_| kind == RuleKind::Scheduled),
            query_period: d("queryPeriod").filter(|_| kind == RuleKind::Scheduled),
            trigger_operator: s("triggerOperator").filter(|_| kind == RuleKind::Scheduled),
            trigger_threshold: p
                .get("triggerThreshold")
                .and_then(Value::as_i64)
                .filter(|_| kind == RuleKind::Scheduled),
            suppression_enabled: p
                .get("suppressionEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            suppression_duration: d("suppressionDuration").unwrap_or(DEFAULT_SUPPRESSION),
            tactics: list("tactics"),
            techniques: list("techniques"),
            sub_techniques: list("subTechniques"),
            entity_mappings: obj("entityMappings"),
            sentinel_entities_mappings: obj("sentinelEntitiesMappings"),
            custom_details: p
                .get("customDetails")
                .and_then(Value::as_object)
                .filter(|m| !m.is_empty())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                }),
            alert_details_override: obj("alertDetailsOverride"),
            event_grouping_settings: Some(event_grouping(obj("eventGroupingSettings"))),
            incident_configuration: incident_configuration(
                incident
                    .and_then(|i| i.get("createIncident"))
                    .and_then(Value::as_bool),
                incident
                    .and_then(|i| i.get("groupingConfiguration"))
                    .cloned(),
            ),
            alert_rule_template_name: None,
            product_filter: None,
            severities_filter: Vec::new(),
            display_names_filter: Vec::new(),
            display_names_exclude_filter: Vec::new(),
        })
    }

    /// [`Self::from_arm`] for the kinds without a query. A template-bound rule's read-only
    /// display fields (`displayName`, `description`, `severity`) are read for reports and
    /// import, but are not part of [`Self::fields`]: the template owns them.
    fn from_arm_without_query(
        name: String,
        kind: RuleKind,
        p: &serde_json::Map<String, Value>,
    ) -> Self {
        let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
        let incident_creation = kind == RuleKind::MicrosoftSecurityIncidentCreation;
        let list = |k: &str| string_list(p, k);
        Self {
            name,
            kind,
            version: None,
            display_name: s("displayName").unwrap_or_default(),
            description: s("description")
                .unwrap_or_default()
                .trim_end()
                .replace("\r\n", "\n"),
            severity: s("severity").unwrap_or_default(),
            enabled: p.get("enabled").and_then(Value::as_bool).unwrap_or(false),
            alert_rule_template_name: s("alertRuleTemplateName")
                .filter(|_| kind.is_template_bound())
                .map(|t| t.to_ascii_lowercase()),
            product_filter: s("productFilter").filter(|_| incident_creation),
            severities_filter: if incident_creation {
                list("severitiesFilter")
            } else {
                Vec::new()
            },
            display_names_filter: if incident_creation {
                list("displayNamesFilter")
            } else {
                Vec::new()
            },
            display_names_exclude_filter: if incident_creation {
                list("displayNamesExcludeFilter")
            } else {
                Vec::new()
            },
            ..Self::query_less(kind)
        }
    }

    /// The properties as a flat map `path → value`, for field-level diffs.
    pub fn fields(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        flatten("", &self.to_arm(), &mut out);
        out
    }
}

/// Flattens objects into dotted paths; arrays and scalars are leaves.
pub fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        _ => {
            out.insert(prefix.to_string(), v.clone());
        }
    }
}

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(v: Value) -> YamlRule {
        serde_json::from_value(v).expect("a rule file")
    }

    #[test]
    fn every_kind_parses_from_its_arm_spelling() {
        for k in RuleKind::ALL {
            assert_eq!(RuleKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RuleKind::parse("Nrt"), Some(RuleKind::Nrt));
        assert_eq!(RuleKind::parse("Anomaly"), None);
        assert!(RuleKind::Nrt.has_query() && !RuleKind::Fusion.has_query());
        assert!(!RuleKind::MicrosoftSecurityIncidentCreation.is_template_bound());
    }

    #[test]
    fn a_template_bound_rule_sends_only_its_template_and_switch() {
        let r = AnalyticsRule::from_yaml(&yaml(json!({
            "id": "6D0B4A3E-6D2F-4C39-9B37-6C1A1F3F0A03", "name": "SSH", "kind": "MLBehaviorAnalytics",
            "alertRuleTemplateName": "FA118B98-DE46-4E94-87F9-8E6D5060B60B", "enabled": false,
        })))
        .unwrap();
        assert_eq!(
            r.to_arm(),
            json!({"alertRuleTemplateName": "fa118b98-de46-4e94-87f9-8e6d5060b60b", "enabled": false})
        );
        assert_eq!(r.name, "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a03");
        // the live rule carries the template's read-only fields: not a difference
        let live = AnalyticsRule::from_arm(&json!({
            "name": "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a03", "kind": "MLBehaviorAnalytics",
            "properties": {"alertRuleTemplateName": "fa118b98-de46-4e94-87f9-8e6d5060b60b",
                "enabled": false, "displayName": "(Preview) Anomalous SSH Login Detection",
                "description": "from the template", "severity": "Medium", "tactics": ["InitialAccess"],
                "subTechniques": [], "lastModifiedUtc": "2026-01-01T00:00:00Z"}
        }))
        .unwrap();
        assert_eq!(live.fields(), r.fields());
        assert_eq!(live.display_name, "(Preview) Anomalous SSH Login Detection");
        assert!(crate::model::Resource::Rule(live).query().is_none());
    }

    #[test]
    fn an_incident_creation_rule_compares_its_filters_as_sets() {
        let r = AnalyticsRule::from_yaml(&yaml(json!({
            "id": "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a02", "name": "MCAS",
            "kind": "MicrosoftSecurityIncidentCreation", "productFilter": "Microsoft Cloud App Security",
            "severitiesFilter": ["Medium", "High", "High"], "displayNamesFilter": [],
        })))
        .unwrap();
        assert_eq!(
            r.to_arm(),
            json!({"displayName": "MCAS", "enabled": true,
                "productFilter": "Microsoft Cloud App Security", "severitiesFilter": ["High", "Medium"]})
        );
        // what the service answers: nulls for absent filters and description
        let live = AnalyticsRule::from_arm(&json!({
            "name": "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a02", "kind": "MicrosoftSecurityIncidentCreation",
            "properties": {"displayName": "MCAS", "enabled": true, "description": null,
                "alertRuleTemplateName": null, "displayNamesFilter": null,
                "productFilter": "Microsoft Cloud App Security", "severitiesFilter": ["Medium", "High"]}
        }))
        .unwrap();
        assert_eq!(live.fields(), r.fields());
    }

    #[test]
    fn keys_of_other_kinds_are_not_deployed() {
        // validation refuses them (SC3019); the model never sends them
        let r = AnalyticsRule::from_yaml(&yaml(json!({
            "id": "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a01", "name": "Fusion", "kind": "Fusion",
            "alertRuleTemplateName": "f71aba3d-28fb-450b-b192-4e76a83015c8",
            "severity": "High", "query": "T", "productFilter": "Azure Security Center",
        })))
        .unwrap();
        assert_eq!(
            r.to_arm(),
            json!({"alertRuleTemplateName": "f71aba3d-28fb-450b-b192-4e76a83015c8", "enabled": true})
        );
        let s = AnalyticsRule::from_yaml(&yaml(json!({
            "id": "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a05", "name": "S", "kind": "Scheduled",
            "description": "d", "severity": "Low", "query": "T", "queryFrequency": "1h",
            "queryPeriod": "1h", "triggerOperator": "gt", "triggerThreshold": 0,
            "alertRuleTemplateName": "x", "productFilter": "Azure Security Center",
        })))
        .unwrap();
        let arm = s.to_arm();
        assert!(arm.get("alertRuleTemplateName").is_none() && arm.get("productFilter").is_none());
    }
}
