//! Checks on automation rules, against Microsoft's contract (`AutomationRules.json` 2025-12-01 and
//! `common/IncidentTypes.json`, NOTES §14): `order` 1…1000, `displayName` ≤ 500 characters, ≤ 20
//! actions, ≤ 50 conditions, `Boolean` conditions with 2…10 inner conditions, `PropertyArray`
//! conditions with ≤ 10 item conditions, the enums of triggers, condition types, property names,
//! operators and action types, and what each action type requires. Conditions and action
//! configurations are checked key by key (unknown keys get a "did you mean"), since the file keeps
//! them as JSON.
//!
//! Cross-file: a rule reference that is neither a detection `id` of this repository nor a full
//! ARM id is an error (the condition would never match); two rules sharing an `order` is a
//! warning (their relative order is then up to the service).

use std::collections::BTreeMap;

use serde_json::Value;

use super::rule::{is_guid, is_version};
use crate::diag::{Diagnostic, FileId, codes};
use crate::load::{AutomationFile, Repository};
use crate::model::automation::{RULE_ID_PROPERTIES, split_rule_id};

/// `AutomationRulePropertyConditionSupportedProperty` (58 values).
const PROPERTY_NAMES: &[&str] = &[
    "IncidentTitle",
    "IncidentDescription",
    "IncidentSeverity",
    "IncidentStatus",
    "IncidentRelatedAnalyticRuleIds",
    "IncidentTactics",
    "IncidentLabel",
    "IncidentProviderName",
    "IncidentUpdatedBySource",
    "IncidentCustomDetailsKey",
    "IncidentCustomDetailsValue",
    "AccountAadTenantId",
    "AccountAadUserId",
    "AccountName",
    "AccountNTDomain",
    "AccountPUID",
    "AccountSid",
    "AccountObjectGuid",
    "AccountUPNSuffix",
    "AlertProductNames",
    "AlertAnalyticRuleIds",
    "AzureResourceResourceId",
    "AzureResourceSubscriptionId",
    "CloudApplicationAppId",
    "CloudApplicationAppName",
    "DNSDomainName",
    "FileDirectory",
    "FileName",
    "FileHashValue",
    "HostAzureID",
    "HostName",
    "HostNetBiosName",
    "HostNTDomain",
    "HostOSVersion",
    "IoTDeviceId",
    "IoTDeviceName",
    "IoTDeviceType",
    "IoTDeviceVendor",
    "IoTDeviceModel",
    "IoTDeviceOperatingSystem",
    "IPAddress",
    "MailboxDisplayName",
    "MailboxPrimaryAddress",
    "MailboxUPN",
    "MailMessageDeliveryAction",
    "MailMessageDeliveryLocation",
    "MailMessageRecipient",
    "MailMessageSenderIP",
    "MailMessageSubject",
    "MailMessageP1Sender",
    "MailMessageP2Sender",
    "MalwareCategory",
    "MalwareName",
    "ProcessCommandLine",
    "ProcessId",
    "RegistryKey",
    "RegistryValueData",
    "Url",
];
const OPERATORS: &[&str] = &[
    "Equals",
    "NotEquals",
    "Contains",
    "NotContains",
    "StartsWith",
    "NotStartsWith",
    "EndsWith",
    "NotEndsWith",
];
const CONDITION_TYPES: &[&str] = &[
    "Property",
    "PropertyArray",
    "PropertyChanged",
    "PropertyArrayChanged",
    "Boolean",
];
const ACTION_TYPES: &[&str] = &["ModifyProperties", "RunPlaybook", "AddIncidentTask"];
const SEVERITIES: &[&str] = &["High", "Medium", "Low", "Informational"];
const STATUSES: &[&str] = &["New", "Active", "Closed"];
const CLASSIFICATIONS: &[&str] = &[
    "Undetermined",
    "TruePositive",
    "BenignPositive",
    "FalsePositive",
];
const CLASSIFICATION_REASONS: &[&str] = &[
    "SuspiciousActivity",
    "SuspiciousButExpected",
    "IncorrectAlertLogic",
    "InaccurateData",
];
const OWNER_TYPES: &[&str] = &["Unknown", "User", "Group"];

struct Ctx<'a> {
    af: &'a AutomationFile,
    /// Lower-case detection ids of the repository.
    rules: &'a [String],
    out: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&self, path: &[String]) -> std::ops::Range<usize> {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        self.af.loaded.span(&p)
    }

    fn error(&mut self, path: &[String], message: String, help: Option<String>) {
        let span = self.at(path);
        self.out.push(
            Diagnostic::error(codes::AUTOMATION_RULE, self.af.loaded.file, message)
                .at(span)
                .help_opt(help),
        );
    }

    fn file(&self) -> FileId {
        self.af.loaded.file
    }

    /// `value` must be one of `allowed` (case-sensitive, as the contract's enums).
    fn one_of(&mut self, path: &[String], what: &str, value: Option<&Value>, allowed: &[&str]) {
        match value.and_then(Value::as_str) {
            Some(v) if allowed.contains(&v) => {}
            Some(v) => {
                let help = crate::diag::suggest(v, allowed).map_or_else(
                    || format!("use one of {}", allowed.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                self.error(path, format!("`{v}` is not a {what}"), Some(help));
            }
            None => self.error(
                path,
                format!("missing {what}"),
                Some(format!("use one of {}", allowed.join(", "))),
            ),
        }
    }

    /// Every key of `obj` must be in `known`.
    fn keys(&mut self, path: &[String], obj: &serde_json::Map<String, Value>, known: &[&str]) {
        for k in obj.keys() {
            if !known.contains(&k.as_str()) {
                let help = crate::diag::suggest(k, known).map_or_else(
                    || format!("known keys here: {}", known.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                let mut p = path.to_vec();
                p.push(k.clone());
                let span = self
                    .af
                    .loaded
                    .doc
                    .key_span(&p.iter().map(String::as_str).collect::<Vec<_>>())
                    .unwrap_or_else(|| self.at(&p));
                self.out.push(
                    Diagnostic::error(
                        codes::AUTOMATION_RULE,
                        self.file(),
                        format!("unknown key `{k}`"),
                    )
                    .at(span)
                    .help(help),
                );
            }
        }
    }
}

fn join(path: &[String], more: &[&str]) -> Vec<String> {
    let mut p = path.to_vec();
    p.extend(more.iter().map(|s| (*s).to_string()));
    p
}

/// Runs every single-file check on an automation rule.
pub fn check_automation(af: &AutomationFile, rules: &[String], out: &mut Vec<Diagnostic>) {
    let mut cx = Ctx { af, rules, out };
    let raw = &af.loaded.raw;
    let root: Vec<String> = Vec::new();
    if !is_guid(raw.id.trim()) {
        cx.error(
            &join(&root, &["id"]),
            format!("`{}` is not a GUID", raw.id),
            Some("the id becomes the automation rule's name: generate one with `uuidgen`".into()),
        );
    }
    let len = raw.display_name.chars().count();
    if raw.display_name.trim().is_empty() || len > 500 {
        cx.error(
            &join(&root, &["displayName"]),
            format!("`displayName` must have 1 to 500 characters (has {len})"),
            None,
        );
    }
    if !(1..=1000).contains(&raw.order) {
        cx.error(
            &join(&root, &["order"]),
            format!("order {} is outside 1…1000", raw.order),
            Some("Sentinel runs automation rules by order, from 1 to 1000".into()),
        );
    }
    if let Some(v) = raw.version.as_deref().filter(|v| !is_version(v)) {
        cx.out.push(
            Diagnostic::error(codes::VERSION, cx.file(), format!("`{v}` is not a version"))
                .at(af.loaded.span(&["version"]))
                .help("use three numbers separated by dots, e.g. `1.0.0`"),
        );
    }
    let t = &raw.triggering_logic;
    let tl = join(&root, &["triggeringLogic"]);
    cx.one_of(
        &join(&tl, &["triggersOn"]),
        "trigger (`triggersOn`)",
        Some(&Value::String(t.triggers_on.clone())),
        &["Incidents", "Alerts"],
    );
    cx.one_of(
        &join(&tl, &["triggersWhen"]),
        "trigger time (`triggersWhen`)",
        Some(&Value::String(t.triggers_when.clone())),
        &["Created", "Updated"],
    );
    if let Some(e) = &t.expiration_time_utc
        && !is_date_time(e)
    {
        cx.error(
            &join(&tl, &["expirationTimeUtc"]),
            format!("`{e}` is not an ISO 8601 date-time"),
            Some("write e.g. `2026-12-31T00:00:00Z`".into()),
        );
    }
    let conditions = t.conditions.clone().unwrap_or_default();
    if conditions.len() > 50 {
        cx.error(
            &join(&tl, &["conditions"]),
            format!("{} conditions, more than 50", conditions.len()),
            None,
        );
    }
    for (i, c) in conditions.iter().enumerate() {
        check_condition(&mut cx, &join(&tl, &["conditions", &i.to_string()]), c);
    }
    check_actions(&mut cx, &t.triggers_on);
}

fn is_date_time(s: &str) -> bool {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
            .expect("regex")
    });
    RE.is_match(s)
}

fn check_condition(cx: &mut Ctx<'_>, path: &[String], c: &Value) {
    let Some(obj) = c.as_object() else {
        cx.error(
            path,
            "a condition is a mapping with `conditionType` and `conditionProperties`".into(),
            None,
        );
        return;
    };
    cx.keys(path, obj, &["conditionType", "conditionProperties"]);
    cx.one_of(
        &join(path, &["conditionType"]),
        "condition type",
        obj.get("conditionType"),
        CONDITION_TYPES,
    );
    let pp = join(path, &["conditionProperties"]);
    let Some(props) = obj.get("conditionProperties").and_then(Value::as_object) else {
        cx.error(path, "missing `conditionProperties`".into(), None);
        return;
    };
    match obj.get("conditionType").and_then(Value::as_str) {
        Some("Property") => {
            cx.keys(&pp, props, &["propertyName", "operator", "propertyValues"]);
            cx.one_of(
                &join(&pp, &["propertyName"]),
                "property name",
                props.get("propertyName"),
                PROPERTY_NAMES,
            );
            cx.one_of(
                &join(&pp, &["operator"]),
                "operator",
                props.get("operator"),
                OPERATORS,
            );
            check_values(cx, &pp, props);
        }
        Some("PropertyChanged") => {
            cx.keys(
                &pp,
                props,
                &["propertyName", "changeType", "operator", "propertyValues"],
            );
            cx.one_of(
                &join(&pp, &["propertyName"]),
                "changed property",
                props.get("propertyName"),
                &["IncidentSeverity", "IncidentStatus", "IncidentOwner"],
            );
            cx.one_of(
                &join(&pp, &["changeType"]),
                "change type",
                props.get("changeType"),
                &["ChangedFrom", "ChangedTo"],
            );
            cx.one_of(
                &join(&pp, &["operator"]),
                "operator",
                props.get("operator"),
                OPERATORS,
            );
            check_values(cx, &pp, props);
        }
        Some("PropertyArrayChanged") => {
            cx.keys(&pp, props, &["arrayType", "changeType"]);
            cx.one_of(
                &join(&pp, &["arrayType"]),
                "array type",
                props.get("arrayType"),
                &["Alerts", "Labels", "Tactics", "Comments"],
            );
            cx.one_of(
                &join(&pp, &["changeType"]),
                "change type",
                props.get("changeType"),
                &["Added"],
            );
        }
        Some("PropertyArray") => {
            cx.keys(
                &pp,
                props,
                &["arrayType", "arrayConditionType", "itemConditions"],
            );
            cx.one_of(
                &join(&pp, &["arrayType"]),
                "array type",
                props.get("arrayType"),
                &["CustomDetails", "CustomDetailValues"],
            );
            cx.one_of(
                &join(&pp, &["arrayConditionType"]),
                "array condition type",
                props.get("arrayConditionType"),
                &["AnyItem", "AllItems"],
            );
            let items = props
                .get("itemConditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if items.len() > 10 {
                cx.error(
                    &join(&pp, &["itemConditions"]),
                    format!("{} item conditions, more than 10", items.len()),
                    None,
                );
            }
            for (i, c) in items.iter().enumerate() {
                check_condition(cx, &join(&pp, &["itemConditions", &i.to_string()]), c);
            }
        }
        Some("Boolean") => {
            cx.keys(&pp, props, &["operator", "innerConditions"]);
            cx.one_of(
                &join(&pp, &["operator"]),
                "boolean operator",
                props.get("operator"),
                &["And", "Or"],
            );
            let inner = props
                .get("innerConditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !(2..=10).contains(&inner.len()) {
                cx.error(
                    &join(&pp, &["innerConditions"]),
                    format!(
                        "{} inner conditions; a Boolean condition takes 2 to 10",
                        inner.len()
                    ),
                    None,
                );
            }
            for (i, c) in inner.iter().enumerate() {
                check_condition(cx, &join(&pp, &["innerConditions", &i.to_string()]), c);
            }
        }
        _ => {}
    }
}

/// `propertyValues` is a list of strings; rule-id values name a detection of the repository or
/// are full ARM ids.
fn check_values(cx: &mut Ctx<'_>, pp: &[String], props: &serde_json::Map<String, Value>) {
    let Some(values) = props.get("propertyValues").and_then(Value::as_array) else {
        cx.error(
            pp,
            "missing `propertyValues` (a list of strings)".into(),
            None,
        );
        return;
    };
    let rule_ids = props
        .get("propertyName")
        .and_then(Value::as_str)
        .is_some_and(|n| RULE_ID_PROPERTIES.contains(&n));
    for (i, v) in values.iter().enumerate() {
        let path = join(pp, &["propertyValues", &i.to_string()]);
        let Some(s) = v.as_str() else {
            cx.error(&path, "a property value is a string".into(), None);
            continue;
        };
        if !rule_ids {
            continue;
        }
        if s.starts_with('/') {
            if split_rule_id(s).is_none() {
                let span = cx.at(&path);
                cx.out.push(
                    Diagnostic::error(codes::AUTOMATION_REFERENCE, cx.file(), format!("`{s}` is not the resource id of an analytics rule"))
                        .at(span)
                        .help("write the `id` of a detection in detections/, or `/subscriptions/…/providers/Microsoft.SecurityInsights/alertRules/<id>`"),
                );
            }
        } else if !cx.rules.contains(&s.trim().to_ascii_lowercase()) {
            let known: Vec<&str> = cx.rules.iter().map(String::as_str).collect();
            let help = crate::diag::suggest(&s.to_ascii_lowercase(), &known).map_or_else(
                || {
                    "use the `id` of a detection in detections/ (or a rule's full resource id)"
                        .to_string()
                },
                |x| format!("did you mean `{x}`?"),
            );
            let span = cx.at(&path);
            cx.out.push(
                Diagnostic::error(
                    codes::AUTOMATION_REFERENCE,
                    cx.file(),
                    format!("no detection in this repository has the id `{s}`"),
                )
                .at(span)
                .help(help),
            );
        }
    }
}

fn check_actions(cx: &mut Ctx<'_>, triggers_on: &str) {
    let actions = &cx.af.loaded.raw.actions;
    let n = actions.len();
    if n > 20 {
        cx.error(
            &["actions".to_string()],
            format!("{n} actions, more than 20"),
            None,
        );
    }
    if n == 0 {
        let span = cx.af.loaded.span(&["actions"]);
        cx.out.push(
            Diagnostic::warning(
                codes::AUTOMATION_RULE,
                cx.file(),
                "the rule has no actions: it does nothing",
            )
            .at(span),
        );
    }
    let actions = actions.clone();
    for (i, a) in actions.iter().enumerate() {
        let p = vec!["actions".to_string(), i.to_string()];
        cx.one_of(
            &join(&p, &["actionType"]),
            "action type",
            Some(&Value::String(a.action_type.clone())),
            ACTION_TYPES,
        );
        if triggers_on == "Alerts"
            && a.action_type != "RunPlaybook"
            && ACTION_TYPES.contains(&a.action_type.as_str())
        {
            cx.error(
                &join(&p, &["actionType"]),
                format!(
                    "a rule triggered by alerts can only run playbooks, not `{}`",
                    a.action_type
                ),
                Some("trigger on `Incidents` to change incidents or add tasks".into()),
            );
        }
        let cp = join(&p, &["actionConfiguration"]);
        let Some(conf) = a.action_configuration.as_object() else {
            cx.error(&cp, "`actionConfiguration` is a mapping".into(), None);
            continue;
        };
        match a.action_type.as_str() {
            "ModifyProperties" => {
                cx.keys(
                    &cp,
                    conf,
                    &[
                        "severity",
                        "status",
                        "classification",
                        "classificationReason",
                        "classificationComment",
                        "owner",
                        "labels",
                    ],
                );
                if conf.is_empty() {
                    cx.error(
                        &cp,
                        "the action changes nothing".into(),
                        Some("set severity, status, classification, owner or labels".into()),
                    );
                }
                for (key, what, allowed) in [
                    ("severity", "severity", SEVERITIES),
                    ("status", "status", STATUSES),
                    ("classification", "classification", CLASSIFICATIONS),
                    (
                        "classificationReason",
                        "classification reason",
                        CLASSIFICATION_REASONS,
                    ),
                ] {
                    if conf.contains_key(key) {
                        cx.one_of(&join(&cp, &[key]), what, conf.get(key), allowed);
                    }
                }
                if let Some(owner) = conf.get("owner").and_then(Value::as_object) {
                    let op = join(&cp, &["owner"]);
                    cx.keys(
                        &op,
                        owner,
                        &[
                            "email",
                            "assignedTo",
                            "objectId",
                            "userPrincipalName",
                            "ownerType",
                        ],
                    );
                    if owner.contains_key("ownerType") {
                        cx.one_of(
                            &join(&op, &["ownerType"]),
                            "owner type",
                            owner.get("ownerType"),
                            OWNER_TYPES,
                        );
                    }
                }
                for (j, l) in conf
                    .get("labels")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let lp = join(&cp, &["labels", &j.to_string()]);
                    match l.as_object() {
                        Some(o)
                            if o.get("labelName")
                                .and_then(Value::as_str)
                                .is_some_and(|s| !s.is_empty()) =>
                        {
                            cx.keys(&lp, o, &["labelName"]);
                        }
                        _ => cx.error(&lp, "a label is `{labelName: …}`".into(), None),
                    }
                }
            }
            "RunPlaybook" => {
                cx.keys(&cp, conf, &["logicAppResourceId", "tenantId"]);
                let id = conf
                    .get("logicAppResourceId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !is_playbook_id(id) {
                    cx.error(
                        &join(&cp, &["logicAppResourceId"]),
                        format!("`{id}` is not the resource id of a Logic App"),
                        Some("write `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Logic/workflows/<name>`".into()),
                    );
                }
                if let Some(t) = conf
                    .get("tenantId")
                    .and_then(Value::as_str)
                    .filter(|t| !is_guid(t))
                {
                    cx.error(
                        &join(&cp, &["tenantId"]),
                        format!("`{t}` is not a GUID"),
                        None,
                    );
                }
            }
            "AddIncidentTask" => {
                cx.keys(&cp, conf, &["title", "description"]);
                if conf
                    .get("title")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t.trim().is_empty())
                {
                    cx.error(&cp, "an incident task needs a `title`".into(), None);
                }
            }
            _ => {}
        }
    }
}

/// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Logic/workflows/{name}` (or
/// `Microsoft.Web/sites`, as the contract's description allows).
pub fn is_playbook_id(id: &str) -> bool {
    let s: Vec<&str> = id.trim_matches('/').split('/').collect();
    id.starts_with('/')
        && s.len() == 8
        && s[0].eq_ignore_ascii_case("subscriptions")
        && s[2].eq_ignore_ascii_case("resourceGroups")
        && s[4].eq_ignore_ascii_case("providers")
        && ((s[5].eq_ignore_ascii_case("Microsoft.Logic")
            && s[6].eq_ignore_ascii_case("workflows"))
            || (s[5].eq_ignore_ascii_case("Microsoft.Web") && s[6].eq_ignore_ascii_case("sites")))
        && [1, 3, 7].iter().all(|i| !s[*i].is_empty())
}

/// Every automation rule, plus the cross-file checks (ids unique, orders shared).
pub fn check_all(repo: &Repository, out: &mut Vec<Diagnostic>) {
    let rules: Vec<String> = repo
        .rules
        .iter()
        .map(|r| r.loaded.raw.id.trim().to_ascii_lowercase())
        .collect();
    let mut orders: BTreeMap<i64, (FileId, std::ops::Range<usize>)> = BTreeMap::new();
    for af in &repo.automation {
        check_automation(af, &rules, out);
        let span = af.loaded.span(&["order"]);
        if let Some((file, first)) = orders.get(&af.loaded.raw.order) {
            out.push(
                Diagnostic::warning(
                    codes::AUTOMATION_ORDER,
                    af.loaded.file,
                    format!(
                        "order {} is also used by another automation rule",
                        af.loaded.raw.order
                    ),
                )
                .at(span)
                .label(*file, first.clone(), "also used here")
                .help("give each automation rule its own order, so they run in a known sequence"),
            );
        } else {
            orders.insert(af.loaded.raw.order, (af.loaded.file, span));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playbook_ids_and_date_times() {
        assert!(is_playbook_id(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/pb"
        ));
        assert!(!is_playbook_id(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
        ));
        assert!(!is_playbook_id("pb"));
        assert!(is_date_time("2026-12-31T00:00:00Z"));
        assert!(is_date_time("2026-12-31T00:00:00.123+02:00"));
        assert!(!is_date_time("tomorrow"));
    }

    #[test]
    fn the_contract_lists_58_property_names() {
        assert_eq!(PROPERTY_NAMES.len(), 58);
    }
}
