//! The resource types: shared helpers (api-versions, preconditions, validation, projection).

pub(crate) mod alert_rule_templates;
pub(crate) mod alert_rules;
pub(crate) mod automation_rules;
pub(crate) mod metadata;
pub(crate) mod onboarding_states;
pub(crate) mod rule_tables;
pub(crate) mod saved_searches;
pub(crate) mod tables;
pub(crate) mod watchlists;
pub(crate) mod workbooks;
pub(crate) mod workspaces;

use serde_json::{Value, json};

use crate::errors::{Reply, arm_error, arm_error_details, precondition_failed};
use crate::etag::etag_eq;
use crate::request::Ctx;
use crate::validate::{self, Issue, Mode, schema::Walker};

/// Which resource provider family an api-version belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    SecurityInsights,
    /// savedSearches and the workspace itself.
    OperationalInsights,
    Workbooks,
}

/// api-versions the real providers accept (from azure-rest-api-specs). Every stable SecurityInsights
/// version is validated with the stable 2025-12-01 schema and every preview with 2025-04-01-preview.
const SECURITY_INSIGHTS: &[&str] = &[
    "2019-01-01-preview",
    "2020-01-01",
    "2021-03-01-preview",
    "2021-04-01",
    "2021-09-01-preview",
    "2021-10-01",
    "2021-10-01-preview",
    "2022-01-01-preview",
    "2022-04-01-preview",
    "2022-05-01-preview",
    "2022-06-01-preview",
    "2022-07-01-preview",
    "2022-08-01",
    "2022-08-01-preview",
    "2022-09-01-preview",
    "2022-10-01-preview",
    "2022-11-01",
    "2022-11-01-preview",
    "2022-12-01-preview",
    "2023-02-01",
    "2023-02-01-preview",
    "2023-03-01-preview",
    "2023-04-01-preview",
    "2023-05-01-preview",
    "2023-06-01-preview",
    "2023-07-01-preview",
    "2023-08-01-preview",
    "2023-09-01-preview",
    "2023-10-01-preview",
    "2023-11-01",
    "2023-12-01-preview",
    "2024-01-01-preview",
    "2024-03-01",
    "2024-04-01-preview",
    "2024-09-01",
    "2024-10-01-preview",
    "2025-01-01-preview",
    "2025-03-01",
    "2025-04-01-preview",
    "2025-06-01",
    "2025-07-01-preview",
    "2025-09-01",
    "2025-12-01",
];

/// Log Analytics (workspaces, savedSearches); all validated with the 2025-02-01 savedSearch schema.
const OPERATIONAL_INSIGHTS: &[&str] = &[
    "2015-03-20",
    "2015-11-01-preview",
    "2017-03-15-preview",
    "2020-03-01-preview",
    "2020-08-01",
    "2020-10-01",
    "2021-03-01-privatepreview",
    "2021-06-01",
    "2021-12-01-preview",
    "2022-10-01",
    "2023-09-01",
    "2025-02-01",
    "2025-07-01",
    "2026-03-01",
];

/// Microsoft.Insights workbooks; all validated with the 2023-06-01 schema.
const WORKBOOKS: &[&str] = &[
    "2015-05-01",
    "2018-06-17-preview",
    "2020-02-12",
    "2020-10-20",
    "2021-03-08",
    "2021-08-01",
    "2022-04-01",
    "2023-06-01",
];

#[derive(Debug, Clone)]
pub(crate) struct ApiVersion {
    pub(crate) preview: bool,
}

pub(crate) fn api_version(ctx: &Ctx<'_>, family: Family) -> Result<ApiVersion, Reply> {
    let Some(v) = ctx.q("api-version") else {
        return Err(arm_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    let known = match family {
        Family::SecurityInsights => SECURITY_INSIGHTS,
        Family::OperationalInsights => OPERATIONAL_INSIGHTS,
        Family::Workbooks => WORKBOOKS,
    };
    if !known.iter().any(|k| k.eq_ignore_ascii_case(v)) {
        return Err(arm_error(
            400,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{v}' is invalid. The supported versions are '{}'.",
                known.join(",")
            ),
        ));
    }
    Ok(ApiVersion {
        preview: v.to_ascii_lowercase().contains("preview"),
    })
}

/// `If-Match` / `If-None-Match` as ARM applies them to writes.
pub(crate) fn preconditions(
    ctx: &Ctx<'_>,
    current_etag: Option<&str>,
    exists: bool,
) -> Result<(), Reply> {
    if let Some(im) = ctx.header("if-match") {
        let im = im.trim();
        if im == "*" {
            if !exists {
                return Err(precondition_failed(
                    "The condition specified using HTTP conditional header(s) is not met: the resource does not exist (If-Match: *).",
                ));
            }
        } else if !exists || !current_etag.is_some_and(|e| im.split(',').any(|c| etag_eq(c, e))) {
            return Err(precondition_failed(format!(
                "The condition specified using HTTP conditional header(s) is not met: If-Match {im} does not match the current etag."
            )));
        }
    }
    if let Some(inm) = ctx.header("if-none-match") {
        let inm = inm.trim();
        if exists
            && (inm == "*" || current_etag.is_some_and(|e| inm.split(',').any(|c| etag_eq(c, e))))
        {
            return Err(precondition_failed(
                "The condition specified using HTTP conditional header(s) is not met: the resource already exists (If-None-Match).",
            ));
        }
    }
    Ok(())
}

/// Sentinel's concurrency rules for a write of an existing resource: `If-Match`/`If-None-Match` give
/// 412; a body `etag` that is not the current one (and not `*`) gives 409 Conflict (NOTES §3.3).
pub(crate) fn sentinel_etag_gate(
    ctx: &Ctx<'_>,
    existing: Option<&Value>,
    sent: Option<&str>,
    what: &str,
) -> Result<(), Reply> {
    let current = existing.and_then(body_etag);
    preconditions(ctx, current.as_deref(), existing.is_some())?;
    if let (Some(_), Some(sent)) = (existing, sent)
        && sent != "*"
        && !current.as_deref().is_some_and(|c| etag_eq(sent, c))
    {
        return Err(arm_error(
            409,
            "Conflict",
            format!(
                "The {what} has been modified: the etag in the request ({sent}) does not match the current etag. Get it and retry with its etag."
            ),
        ));
    }
    Ok(())
}

/// `UserInfo` of the caller, from its token (the emulator knows no user directory).
pub(crate) fn caller_info(ctx: &Ctx<'_>) -> Value {
    let (oid, client) = ctx.token.as_ref().map_or_else(
        || (String::new(), String::new()),
        |t| (t.object_id.clone(), t.client_id.clone()),
    );
    // A service principal has no mailbox: its name is its client id, its email empty.
    json!({"objectId": oid, "email": "", "name": client})
}

/// The caller's tenant, from its token.
pub(crate) fn caller_tenant(ctx: &Ctx<'_>) -> String {
    ctx.token
        .as_ref()
        .map_or_else(String::new, |t| t.tenant.clone())
}

/// A 400 for validation issues.
pub(crate) fn issues_reply(issues: &[Issue]) -> Reply {
    let first = issues
        .first()
        .map_or_else(String::new, |i| i.message.clone());
    let message = if issues.len() > 1 {
        format!(
            "{first} (and {} more problem(s), see details)",
            issues.len() - 1
        )
    } else {
        first
    };
    let details = if issues.len() > 1 {
        issues
            .iter()
            .map(|i| json!({"code": i.code, "target": i.target, "message": i.message}))
            .collect()
    } else {
        Vec::new()
    };
    arm_error_details(400, "BadRequest", message, &details)
}

/// Validates a request body against `definition` in `file`; returns the cleaned body.
pub(crate) fn validate_request(file: &str, definition: &str, body: &Value) -> Result<Value, Reply> {
    let specs = validate::specs();
    let Some((f, schema)) = specs.definition(file, definition) else {
        return Ok(body.clone());
    };
    let mut w = Walker::new(specs, Mode::Request);
    let cleaned = w.walk(f, schema, body, "");
    if w.issues.is_empty() {
        Ok(cleaned)
    } else {
        Err(issues_reply(&w.issues))
    }
}

/// Projects a stored resource onto one version's model (drops what that version does not declare).
pub(crate) fn project(file: &str, definition: &str, value: &Value) -> Value {
    let specs = validate::specs();
    let Some((f, schema)) = specs.definition(file, definition) else {
        return value.clone();
    };
    Walker::new(specs, Mode::Project).walk(f, schema, value, "")
}

/// Parses the JSON body of a write.
pub(crate) fn json_body(ctx: &Ctx<'_>) -> Result<Value, Reply> {
    if ctx.body.iter().all(u8::is_ascii_whitespace) {
        return Err(arm_error(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: the body is empty.",
        ));
    }
    let v: Value = serde_json::from_slice(ctx.body)
        .map_err(|e| crate::errors::invalid_json(&e.to_string()))?;
    if !v.is_object() {
        return Err(crate::errors::invalid_json(
            "the body must be a JSON object",
        ));
    }
    Ok(v)
}

/// The `etag` a client put in the body, if any.
pub(crate) fn body_etag(body: &Value) -> Option<String> {
    body.get("etag").and_then(Value::as_str).map(str::to_string)
}

pub(crate) fn method_not_allowed(method: &str) -> Reply {
    arm_error(
        405,
        "MethodNotAllowed",
        format!("The requested resource does not support http method '{method}'."),
    )
}
