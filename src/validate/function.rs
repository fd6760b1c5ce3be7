//! Checks on functions and their Security Copilot skill blocks.

use std::sync::LazyLock;

use regex::Regex;

use super::rule::is_version;
use crate::diag::Diagnostic;
use crate::diag::codes;
use crate::load::FunctionFile;

static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*$").expect("regex"));
static SKILL_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9]*$").expect("regex"));
const TYPES: &[&str] = &[
    "string", "int", "long", "real", "double", "decimal", "bool", "boolean", "datetime", "date",
    "timespan", "time", "dynamic", "guid",
];

/// True for a bare KQL identifier.
pub fn is_identifier(s: &str) -> bool {
    IDENT.is_match(s)
}

/// Checks one function file.
pub fn check_function(ff: &FunctionFile, out: &mut Vec<Diagnostic>) {
    let l = &ff.loaded;
    let raw = &l.raw;
    if !is_identifier(&raw.function_alias) {
        out.push(
            Diagnostic::error(codes::FUNCTION_ALIAS, l.file, format!("`{}` is not a valid KQL identifier", raw.function_alias))
                .at(l.span(&["FunctionAlias"]))
                .help("use letters, digits and `_`, not starting with a digit (callers would need `['...']` quoting)"),
        );
    }
    if let Some(name) = &raw.resource_name
        && let Err(why) = crate::model::names::check(crate::model::ResourceKind::Function, name)
    {
        out.push(
            Diagnostic::error(codes::RESOURCE_NAME, l.file, why)
                .at(l.span(&["resourceName"]))
                .help("use letters, digits, `_` and `-` (the portal's generated names are fine)"),
        );
    }
    if let Some(id) = raw
        .id
        .as_deref()
        .filter(|id| !super::rule::is_guid(id.trim()))
    {
        out.push(
            Diagnostic::error(codes::RULE_ID, l.file, format!("`{id}` is not a GUID"))
                .at(l.span(&["id"])),
        );
    }
    if let Some(v) = ff.function.version.as_deref().filter(|v| !is_version(v)) {
        let path: &[&str] = if raw.version.is_some() {
            &["Version"]
        } else {
            &["Function", "Version"]
        };
        out.push(
            Diagnostic::error(
                codes::VERSION,
                l.file,
                format!("`{v}` is not a version like `1.0.0`"),
            )
            .at(l.span(path)),
        );
    }
    let mut seen_default = false;
    let mut names: Vec<&str> = Vec::new();
    for (i, p) in raw.function_params.iter().flatten().enumerate() {
        let idx = i.to_string();
        if !is_identifier(&p.name) || names.contains(&p.name.as_str()) {
            out.push(
                Diagnostic::error(
                    codes::FUNCTION_PARAMS,
                    l.file,
                    format!("parameter name `{}` is invalid or repeated", p.name),
                )
                .at(l.span(&["FunctionParams", &idx, "Name"])),
            );
        }
        names.push(&p.name);
        let ty = p.ty.trim().to_ascii_lowercase();
        if !TYPES.contains(&ty.as_str()) && !ty.starts_with('(') && !ty.starts_with("table") {
            out.push(
                Diagnostic::error(codes::FUNCTION_PARAMS, l.file, format!("`{}` is not a KQL parameter type", p.ty))
                    .at(l.span(&["FunctionParams", &idx, "Type"]))
                    .help("use string, int, long, real, bool, datetime, timespan, dynamic, guid or a tabular `(col:type, ...)`"),
            );
        }
        match (&p.default, seen_default) {
            (Some(_), _) => seen_default = true,
            (None, true) => out.push(
                Diagnostic::error(
                    codes::FUNCTION_PARAMS,
                    l.file,
                    format!(
                        "parameter `{}` has no default but follows one that has",
                        p.name
                    ),
                )
                .at(l.span(&["FunctionParams", &idx]))
                .help("put parameters without defaults first"),
            ),
            (None, false) => {}
        }
    }
    check_skill(ff, &names, out);
}

fn check_skill(ff: &FunctionFile, params: &[&str], out: &mut Vec<Diagnostic>) {
    let l = &ff.loaded;
    let Some(skill) = &l.raw.skill else { return };
    let mut err = |path: &[&str], msg: String| {
        out.push(Diagnostic::error(codes::SKILL, l.file, msg).at(l.span(path)));
    };
    if !SKILL_NAME.is_match(&skill.name) || skill.name.len() > 100 {
        err(
            &["skill", "name"],
            format!(
                "skill name `{}` must be letters and digits, at most 100",
                skill.name
            ),
        );
    }
    if skill
        .display_name
        .as_ref()
        .is_some_and(|d| d.chars().count() > 100)
    {
        err(
            &["skill", "displayName"],
            "skill displayName is longer than 100 characters".into(),
        );
    }
    if skill.description.trim().is_empty() || skill.description.chars().count() > 16_000 {
        err(
            &["skill", "description"],
            "skill description must have 1 to 16,000 characters".into(),
        );
    }
    if skill
        .description_for_model
        .as_ref()
        .is_some_and(|d| d.chars().count() > 16_000)
    {
        err(
            &["skill", "descriptionForModel"],
            "descriptionForModel is longer than 16,000 characters".into(),
        );
    }
    let inputs: Vec<&str> = skill
        .inputs
        .iter()
        .flatten()
        .map(|i| i.name.as_str())
        .collect();
    for (i, name) in inputs.iter().enumerate() {
        if !params.contains(name) {
            err(
                &["skill", "inputs", &i.to_string(), "name"],
                format!("skill input `{name}` has no parameter of that name in FunctionParams"),
            );
        }
    }
    for (i, p) in params.iter().enumerate() {
        if !inputs.contains(p) {
            err(
                &["FunctionParams", &i.to_string(), "Name"],
                format!("parameter `{p}` is not a skill input"),
            );
        }
    }
}
