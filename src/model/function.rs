//! [`SavedFunction`]: a saved KQL function (`Microsoft.OperationalInsights/workspaces/savedSearches`).
//!
//! Mapping: `FunctionName` → `displayName`, `FunctionAlias` → `functionAlias` and the resource
//! name, `Category` → `category`, `FunctionQuery` → `query`, `FunctionParams` →
//! `functionParameters` (`name:type = default, ...`). `version` is the savedSearch schema version
//! (always 2 for functions), not the content version.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::rule::flatten;
use super::text::normalize_query;
use crate::schema::YamlFunction;

/// A function parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionParam {
    /// Name.
    pub name: String,
    /// KQL type text.
    pub ty: String,
    /// Default as a KQL literal.
    pub default: Option<String>,
}

/// A saved function, normalised. Serialises to ARM savedSearch properties.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedFunction {
    /// Resource name (the alias).
    #[serde(skip)]
    pub name: String,
    /// Content id (GUID) when the file has one.
    #[serde(skip)]
    pub content_id: Option<String>,
    /// Content version.
    #[serde(skip)]
    pub version: Option<String>,
    /// Parameters, in order.
    #[serde(skip)]
    pub params: Vec<FunctionParam>,
    /// `category`.
    pub category: String,
    /// `displayName`.
    pub display_name: String,
    /// `query`.
    pub query: String,
    /// `functionAlias`.
    pub function_alias: String,
    /// `functionParameters`, canonical spelling.
    pub function_parameters: String,
    /// savedSearch schema `version`.
    #[serde(rename = "version")]
    pub schema_version: i64,
}

/// Default category for functions without one.
pub const DEFAULT_CATEGORY: &str = "Functions";

/// Renders a YAML default value as the KQL literal text.
pub fn default_literal(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `name:type = default, ...`.
pub fn parameters_text(params: &[FunctionParam]) -> String {
    params
        .iter()
        .map(|p| match &p.default {
            Some(d) => format!("{}:{} = {}", p.name, p.ty, d),
            None => format!("{}:{}", p.name, p.ty),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Removes whitespace outside quotes so `a:string='x'` ≡ `a: string = 'x'`.
pub fn canonical_parameters(text: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => continue,
            _ => {}
        }
        out.push(c);
    }
    out
}

impl SavedFunction {
    /// Interprets a function file.
    pub fn from_yaml(raw: &YamlFunction) -> Self {
        let params: Vec<FunctionParam> = raw
            .function_params
            .iter()
            .flatten()
            .map(|p| FunctionParam {
                name: p.name.clone(),
                ty: p.ty.clone(),
                default: p.default.as_ref().and_then(default_literal),
            })
            .collect();
        let version = raw
            .function
            .as_ref()
            .and_then(|f| f.version.clone())
            .or_else(|| raw.version.clone());
        Self {
            name: raw
                .resource_name
                .clone()
                .unwrap_or_else(|| raw.function_alias.clone()),
            content_id: raw.id.as_ref().map(|s| s.trim().to_ascii_lowercase()),
            version,
            category: raw
                .category
                .clone()
                .unwrap_or_else(|| DEFAULT_CATEGORY.to_string()),
            display_name: raw.function_name.clone(),
            query: normalize_query(&raw.function_query),
            function_alias: raw.function_alias.clone(),
            function_parameters: canonical_parameters(&parameters_text(&params)),
            params,
            schema_version: 2,
        }
    }

    /// ARM `properties` for a PUT (the etag goes beside it, see the ARM client).
    pub fn to_arm(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(m) = v.as_object_mut() {
            m.insert(
                "functionParameters".into(),
                Value::String(parameters_text(&self.params)),
            );
        }
        v
    }

    /// Interprets an ARM savedSearch. Returns `None` for saved searches that are not functions.
    pub fn from_arm(resource: &Value) -> Option<Self> {
        let name = resource.get("name")?.as_str()?.to_string();
        let p = resource.get("properties")?;
        let s = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let alias = s("functionAlias");
        if alias.is_empty() {
            return None;
        }
        let params_text = s("functionParameters");
        Some(Self {
            name,
            content_id: None,
            version: None,
            params: parse_parameters(&params_text),
            category: s("category"),
            display_name: s("displayName"),
            query: normalize_query(&s("query")),
            function_alias: alias,
            function_parameters: canonical_parameters(&params_text),
            schema_version: p.get("version").and_then(Value::as_i64).unwrap_or(2),
        })
    }

    /// Flat `path → value` map for field-level diffs.
    pub fn fields(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        flatten(
            "",
            &serde_json::to_value(self).unwrap_or(Value::Null),
            &mut out,
        );
        out
    }
}

/// Parses `name:type = default, ...` (commas inside quotes or parentheses do not split).
pub fn parse_parameters(text: &str) -> Vec<FunctionParam> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .filter_map(|p| {
            let (decl, default) = match p.split_once('=') {
                Some((d, v)) => (d, Some(v.trim().to_string())),
                None => (p, None),
            };
            let (name, ty) = decl.split_once(':')?;
            Some(FunctionParam {
                name: name.trim().to_string(),
                ty: ty.trim().to_string(),
                default,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip() {
        let text = "lookback:timespan = 1d, user:string = '', t:(TimeGenerated:datetime, x:string)";
        let params = parse_parameters(text);
        assert_eq!(params.len(), 3);
        assert_eq!(params[1].default.as_deref(), Some("''"));
        assert_eq!(
            canonical_parameters(&parameters_text(&params)),
            canonical_parameters(text)
        );
        assert_eq!(canonical_parameters("a: string = 'x y'"), "a:string='x y'");
    }
}
