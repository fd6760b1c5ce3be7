//! Replies and ARM's error shapes.
//!
//! ARM and the resource providers answer errors as `{"error":{"code","message"}}` (SecurityInsights
//! `CloudError`, common-types `ErrorResponse`, workbooks' `WorkbookError`). `details` is added only when
//! there is more than one thing to report (request validation), since `CloudErrorBody` declares only
//! `code` and `message`.

use serde_json::{Value, json};

/// Body of a reply.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Json(Value),
}

/// One HTTP answer before it is serialised.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub(crate) fn json_body(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(v) => Some(v),
            Body::Empty => None,
        }
    }
}

/// An ARM error answer.
pub(crate) fn arm_error(status: u16, code: &str, message: impl Into<String>) -> Reply {
    Reply::json(
        status,
        json!({"error": {"code": code, "message": message.into()}}),
    )
}

/// An ARM error answer with `details` (each `{code, message, target}`).
pub(crate) fn arm_error_details(
    status: u16,
    code: &str,
    message: impl Into<String>,
    details: &[Value],
) -> Reply {
    if details.is_empty() {
        return arm_error(status, code, message);
    }
    Reply::json(
        status,
        json!({"error": {"code": code, "message": message.into(), "details": details}}),
    )
}

pub(crate) fn not_found_resource(kind: &str, name: &str, rg: &str) -> Reply {
    arm_error(
        404,
        "ResourceNotFound",
        format!(
            "The Resource '{kind}/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

pub(crate) fn invalid_json(err: &str) -> Reply {
    arm_error(
        400,
        "InvalidRequestContent",
        format!("The request content was invalid and could not be deserialized: '{err}'."),
    )
}

pub(crate) fn precondition_failed(message: impl Into<String>) -> Reply {
    arm_error(412, "PreconditionFailed", message)
}
