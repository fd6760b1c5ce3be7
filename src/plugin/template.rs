//! The KQL `Template` of one skill: bind each input, then call the saved function.
//!
//! Security Copilot replaces `{{name}}` in a template with the input's text, verbatim: no quoting,
//! no escaping. A template that writes `'{{user}}'` is therefore open to a value such as
//! `x' | union SigninLogs | where '1'=='1`. This module never places a placeholder anywhere but
//! inside a KQL multi-line string literal on its own `let` line:
//!
//! ```text
//! let input_user = trim(@"\s+", ``` {{user}} ```);
//! let input_lookback = coalesce(totimespan(trim(@"\s+", ``` {{lookback}} ```)), totimespan(1d));
//! OnePasswordFailedSignIns(input_lookback, input_user)
//! ```
//!
//! Inside ```` ``` ```` … ```` ``` ```` KQL has no escapes: quotes, backslashes, `|`, `;`, `//`,
//! line breaks and single or double backticks are all text; a space on each side of the
//! placeholder keeps a value that starts or ends with backticks off the fences (`trim` removes
//! it). The only way out is three backticks in a row inside the value: every KQL string literal
//! has some terminator, so that residual is documented in `docs/copilot-plugin.md`.
//!
//! Typed parameters are converted from the text (`totimespan`, `toint`, `toreal`, …). A value that
//! does not convert (or an empty one) falls back to the parameter's declared default, so a
//! request such as "1 week" does not silently filter everything out; parameters without a default
//! stay `null`. String values are trimmed of surrounding whitespace (models often add a newline).
//!
//! Every parameter is passed positionally, in declaration order; a parameter that is not a skill
//! input gets its declared default. Output: the template text; the placeholders it contains are
//! exactly the skill's input names.

use crate::model::function::FunctionParam;

/// Prefix of the `let` names that hold the inputs (not a KQL keyword, not a column in our data).
pub const BINDING_PREFIX: &str = "input_";

/// How one parameter is filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Argument<'a> {
    /// From the skill input of the same name.
    Input,
    /// The declared default literal (not a skill input).
    Default(&'a str),
}

/// Why a parameter cannot be passed from a skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// The parameter's type has no conversion from text (tabular parameters).
    UnsupportedType {
        /// Parameter.
        param: String,
        /// Its type as written.
        ty: String,
    },
    /// The parameter is not an input and has no default, so the call cannot be written.
    NoValue {
        /// Parameter.
        param: String,
    },
}

/// The KQL conversion from text for a scalar type, `None` for `string` (no conversion) and `Err`
/// for types that cannot come from text.
fn conversion(ty: &str) -> Result<Option<&'static str>, ()> {
    Ok(Some(match ty.trim().to_ascii_lowercase().as_str() {
        "string" => return Ok(None),
        "timespan" | "time" => "totimespan",
        "int" => "toint",
        "long" => "tolong",
        "real" | "double" => "toreal",
        "decimal" => "todecimal",
        "bool" | "boolean" => "tobool",
        "datetime" | "date" => "todatetime",
        "guid" => "toguid",
        "dynamic" => "todynamic",
        _ => return Err(()),
    }))
}

/// The `let` line that binds one input.
pub fn binding(param: &FunctionParam) -> Result<String, TemplateError> {
    let convert = conversion(&param.ty).map_err(|()| TemplateError::UnsupportedType {
        param: param.name.clone(),
        ty: param.ty.clone(),
    })?;
    // The spaces keep a value that starts or ends with a backtick off the fences; `trim` drops them.
    let text = format!("trim(@\"\\s+\", ``` {{{{{}}}}} ```)", param.name);
    let value = match (convert, &param.default) {
        (None, _) => text,
        // `coalesce` wants one type: `toint(…)` is int but a bare `20` is long.
        (Some(f), Some(default)) => format!("coalesce({f}({text}), {f}({default}))"),
        (Some(f), None) => format!("{f}({text})"),
    };
    Ok(format!("let {BINDING_PREFIX}{} = {value};", param.name))
}

/// The template for a call of `alias` with `params`, each filled as `args` says (same order).
pub fn template(
    header: &str,
    alias: &str,
    params: &[FunctionParam],
    args: &[Argument<'_>],
) -> Result<String, Vec<TemplateError>> {
    let mut lines: Vec<String> = header.lines().map(|l| format!("// {l}")).collect();
    let mut call_args = Vec::new();
    let mut errors = Vec::new();
    for (param, arg) in params.iter().zip(args) {
        match arg {
            Argument::Input => match binding(param) {
                Ok(line) => {
                    lines.push(line);
                    call_args.push(format!("{BINDING_PREFIX}{}", param.name));
                }
                Err(e) => errors.push(e),
            },
            Argument::Default("") => errors.push(TemplateError::NoValue {
                param: param.name.clone(),
            }),
            Argument::Default(literal) => call_args.push((*literal).to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    lines.push(format!("{alias}({})", call_args.join(", ")));
    Ok(lines.join("\n"))
}

/// Replaces each `{{name}}` with its value, verbatim, as Security Copilot does. Names without a
/// value are left as they are.
pub fn substitute(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

/// The `{{name}}` placeholders in `template`, in order of first appearance.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = &after[..end];
        if !found.iter().any(|f| f == name) {
            found.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, ty: &str, default: Option<&str>) -> FunctionParam {
        FunctionParam {
            name: name.into(),
            ty: ty.into(),
            default: default.map(str::to_string),
        }
    }

    #[test]
    fn bindings_per_type() {
        assert_eq!(
            binding(&param("user", "string", Some("''"))).unwrap(),
            "let input_user = trim(@\"\\s+\", ``` {{user}} ```);"
        );
        assert_eq!(
            binding(&param("lookback", "timespan", Some("1d"))).unwrap(),
            "let input_lookback = coalesce(totimespan(trim(@\"\\s+\", ``` {{lookback}} ```)), totimespan(1d));"
        );
        assert_eq!(
            binding(&param("n", "int", None)).unwrap(),
            "let input_n = toint(trim(@\"\\s+\", ``` {{n}} ```));"
        );
        assert_eq!(
            binding(&param("t", "(TimeGenerated:datetime)", None)),
            Err(TemplateError::UnsupportedType {
                param: "t".into(),
                ty: "(TimeGenerated:datetime)".into()
            })
        );
    }

    #[test]
    fn calls_positionally_with_defaults_for_non_inputs() {
        let params = [
            param("a", "timespan", Some("1d")),
            param("b", "real", Some("3.0")),
            param("c", "string", Some("''")),
        ];
        let t = template(
            "skill X",
            "F",
            &params,
            &[Argument::Input, Argument::Default("3.0"), Argument::Input],
        )
        .unwrap();
        assert!(t.starts_with("// skill X\nlet input_a = "), "{t}");
        assert!(t.ends_with("\nF(input_a, 3.0, input_c)"), "{t}");
        assert_eq!(placeholders(&t), ["a", "c"]);
    }

    #[test]
    fn substitution_is_verbatim() {
        let t = "x = ```{{v}}```; y = {{w}}; {{v}}";
        assert_eq!(
            substitute(t, &[("v", "'\"\n"), ("w", "1")]),
            "x = ```'\"\n```; y = 1; '\"\n"
        );
        assert_eq!(placeholders("{{a}} {{b}} {{a}} {{"), ["a", "b"]);
    }
}
