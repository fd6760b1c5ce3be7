//! The schema walker: validates a request body (`Mode::Request`) or projects a stored resource onto
//! one api-version's model (`Mode::Project`), returning the cleaned value.
//!
//! Request mode follows how the service deserialises: read-only properties are ignored, properties
//! the version's model does not declare are dropped (and listed in `ignored`), property names match
//! case-insensitively and enum values are normalised to their declared casing; missing required
//! properties, wrong types, unknown enum values, bad formats and broken limits are issues.

use serde_json::{Map, Value};

use super::Specs;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Request,
    Project,
}

/// One validation failure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issue {
    pub(crate) code: &'static str,
    pub(crate) target: String,
    pub(crate) message: String,
}

/// Effective object schema after flattening `allOf`.
#[derive(Default)]
struct Obj<'a> {
    props: Vec<(&'a str, &'static str, &'a Value)>,
    required: Vec<&'a str>,
    additional: Option<Additional<'a>>,
    discriminator: Option<&'a str>,
}

enum Additional<'a> {
    Any,
    Schema(&'static str, &'a Value),
}

pub(crate) struct Walker<'s> {
    specs: &'s Specs,
    mode: Mode,
    pub(crate) issues: Vec<Issue>,
    pub(crate) ignored: Vec<String>,
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'s> Walker<'s> {
    pub(crate) fn new(specs: &'s Specs, mode: Mode) -> Self {
        Self {
            specs,
            mode,
            issues: Vec::new(),
            ignored: Vec::new(),
        }
    }

    fn issue(&mut self, code: &'static str, target: &str, message: String) {
        if self.mode == Mode::Request {
            self.issues.push(Issue {
                code,
                target: target.to_string(),
                message,
            });
        }
    }

    /// Follows `$ref`s.
    fn deref(&self, mut file: &'static str, mut schema: &'s Value) -> (&'static str, &'s Value) {
        for _ in 0..32 {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.specs.resolve(file, r) {
                    Some((f, s)) => {
                        file = f;
                        schema = s;
                    }
                    None => return (file, schema),
                },
                None => break,
            }
        }
        (file, schema)
    }

    fn collect(&self, file: &'static str, schema: &'s Value, out: &mut Obj<'s>, depth: usize) {
        if depth > 16 {
            return;
        }
        let (file, schema) = self.deref(file, schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.collect(file, s, out, depth + 1);
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                if let Some(slot) = out.props.iter_mut().find(|(n, _, _)| *n == k.as_str()) {
                    *slot = (k.as_str(), file, v);
                } else {
                    out.props.push((k.as_str(), file, v));
                }
            }
        }
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            out.required.extend(req.iter().filter_map(Value::as_str));
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(true)) => out.additional = Some(Additional::Any),
            Some(v @ Value::Object(o)) => {
                out.additional = Some(if o.is_empty() {
                    Additional::Any
                } else {
                    Additional::Schema(file, v)
                });
            }
            _ => {}
        }
        if let Some(d) = schema.get("discriminator").and_then(Value::as_str) {
            out.discriminator = Some(d);
        }
    }

    /// The definition in `file` that extends `base` (through `allOf`) and whose
    /// `x-ms-discriminator-value` (or name) is `value`, compared case-insensitively when `loose`.
    fn find_subtype(
        &self,
        file: &'static str,
        base: &Value,
        value: &str,
        loose: bool,
    ) -> Option<(&'static str, &'s Value)> {
        let (_, doc) = self.specs.file(file)?;
        let defs = doc.get("definitions")?.as_object()?;
        let base_name = defs
            .iter()
            .find(|(_, d)| std::ptr::eq(*d, base))
            .map(|(n, _)| n.as_str())?;
        let suffix = format!("/definitions/{base_name}");
        defs.iter()
            .filter(|(_, d)| {
                d.get("allOf").and_then(Value::as_array).is_some_and(|all| {
                    all.iter().any(|a| {
                        a.get("$ref")
                            .and_then(Value::as_str)
                            .is_some_and(|r| r.ends_with(&suffix))
                    })
                })
            })
            .find(|(name, d)| {
                let dv = d
                    .get("x-ms-discriminator-value")
                    .and_then(Value::as_str)
                    .unwrap_or(name.as_str());
                if loose {
                    dv.eq_ignore_ascii_case(value)
                } else {
                    dv == value
                }
            })
            .map(|(_, d)| (file, d))
    }

    fn is_read_only(&self, file: &'static str, prop: &'s Value) -> bool {
        if prop.get("readOnly").and_then(Value::as_bool) == Some(true) {
            return true;
        }
        let (_, d) = self.deref(file, prop);
        d.get("readOnly").and_then(Value::as_bool) == Some(true)
    }

    fn nullable(&self, file: &'static str, prop: &'s Value) -> bool {
        if prop.get("x-nullable").and_then(Value::as_bool) == Some(true) {
            return true;
        }
        let (_, d) = self.deref(file, prop);
        d.get("x-nullable").and_then(Value::as_bool) == Some(true)
    }

    /// Walks `v` against `schema` (found in `file`). Returns the cleaned value.
    pub(crate) fn walk(
        &mut self,
        file: &'static str,
        schema: &'s Value,
        v: &Value,
        path: &str,
    ) -> Value {
        self.walk_inner(file, schema, v, path, false, 0)
    }

    fn walk_inner(
        &mut self,
        file: &'static str,
        schema: &'s Value,
        v: &Value,
        path: &str,
        dispatched: bool,
        depth: usize,
    ) -> Value {
        if depth > 48 {
            return v.clone();
        }
        let (file, schema) = self.deref(file, schema);
        if v.is_null() {
            return Value::Null;
        }
        let ty = schema.get("type").and_then(Value::as_str);
        let objectish = ty == Some("object")
            || (ty.is_none()
                && (schema.get("properties").is_some()
                    || schema.get("allOf").is_some()
                    || schema.get("additionalProperties").is_some()));
        if objectish {
            return self.walk_object(file, schema, v, path, dispatched, depth);
        }
        match ty {
            Some("array") => {
                let Some(items) = v.as_array() else {
                    self.issue(
                        "InvalidType",
                        path,
                        format!("Invalid type at '{path}': expected an array."),
                    );
                    return v.clone();
                };
                if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                    && (items.len() as u64) < min
                {
                    self.issue(
                        "ArrayTooShort",
                        path,
                        format!("'{path}' must have at least {min} items."),
                    );
                }
                if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                    && (items.len() as u64) > max
                {
                    self.issue(
                        "ArrayTooLong",
                        path,
                        format!("'{path}' must have at most {max} items."),
                    );
                }
                match schema.get("items") {
                    Some(item_schema) => Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, it)| {
                                self.walk_inner(
                                    file,
                                    item_schema,
                                    it,
                                    &format!("{path}[{i}]"),
                                    false,
                                    depth + 1,
                                )
                            })
                            .collect(),
                    ),
                    None => v.clone(),
                }
            }
            Some("string") => self.walk_string(schema, v, path),
            Some("integer") => {
                let ok = v.as_i64().is_some() || v.as_u64().is_some();
                if !ok {
                    self.issue(
                        "InvalidType",
                        path,
                        format!("Invalid type at '{path}': expected an integer."),
                    );
                    return v.clone();
                }
                if schema.get("format").and_then(Value::as_str) == Some("int32")
                    && v.as_i64().is_none_or(|n| i32::try_from(n).is_err())
                {
                    self.issue(
                        "InvalidFormat",
                        path,
                        format!("'{path}' must be a 32-bit integer."),
                    );
                }
                self.check_range(schema, v, path);
                v.clone()
            }
            Some("number") => {
                if v.as_f64().is_none() {
                    self.issue(
                        "InvalidType",
                        path,
                        format!("Invalid type at '{path}': expected a number."),
                    );
                }
                self.check_range(schema, v, path);
                v.clone()
            }
            Some("boolean") => {
                if !v.is_boolean() {
                    self.issue(
                        "InvalidType",
                        path,
                        format!("Invalid type at '{path}': expected a boolean."),
                    );
                }
                v.clone()
            }
            _ => {
                // Untyped schema with an enum (rare) or free-form.
                if schema.get("enum").is_some() && v.is_string() {
                    return self.walk_string(schema, v, path);
                }
                v.clone()
            }
        }
    }

    fn check_range(&mut self, schema: &Value, v: &Value, path: &str) {
        let Some(n) = v.as_f64() else { return };
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            self.issue(
                "ValueTooSmall",
                path,
                format!("'{path}' must be at least {min}."),
            );
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            self.issue(
                "ValueTooLarge",
                path,
                format!("'{path}' must be at most {max}."),
            );
        }
    }

    fn walk_string(&mut self, schema: &Value, v: &Value, path: &str) -> Value {
        let Some(s) = v.as_str() else {
            self.issue(
                "InvalidType",
                path,
                format!("Invalid type at '{path}': expected a string."),
            );
            return v.clone();
        };
        let len = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            self.issue(
                "StringTooShort",
                path,
                format!("'{path}' must be at least {min} characters long."),
            );
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            self.issue(
                "StringTooLong",
                path,
                format!("'{path}' must be at most {max} characters long."),
            );
        }
        if schema.get("pattern").and_then(Value::as_str) == Some("^\\S+$")
            && (s.is_empty() || s.chars().any(char::is_whitespace))
        {
            self.issue(
                "PatternMismatch",
                path,
                format!("'{path}' must not contain whitespace."),
            );
        }
        match schema.get("format").and_then(Value::as_str) {
            Some("duration") if parse_duration(s).is_none() => self.issue(
                "InvalidFormat",
                path,
                format!(
                    "'{s}' at '{path}' is not a valid ISO 8601 duration (for example PT1H or P1D)."
                ),
            ),
            Some("date-time") if !is_date_time(s) => self.issue(
                "InvalidFormat",
                path,
                format!("'{s}' at '{path}' is not a valid ISO 8601 date-time."),
            ),
            Some("date") if !is_date(s) => self.issue(
                "InvalidFormat",
                path,
                format!("'{s}' at '{path}' is not a valid date (YYYY-MM-DD)."),
            ),
            Some("uuid") if !crate::guid::is_guid(s) => self.issue(
                "InvalidFormat",
                path,
                format!("'{s}' at '{path}' is not a valid GUID."),
            ),
            _ => {}
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let allowed: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            if allowed.contains(&s) {
                return v.clone();
            }
            if let Some(canon) = allowed.iter().find(|a| a.eq_ignore_ascii_case(s)) {
                // .NET enum converters are case-insensitive; the service answers the declared casing.
                return Value::String((*canon).to_string());
            }
            self.issue(
                "InvalidEnumValue",
                path,
                format!(
                    "The value '{s}' at '{path}' is not valid. Allowed values: {}.",
                    allowed.join(", ")
                ),
            );
        }
        v.clone()
    }

    fn walk_object(
        &mut self,
        file: &'static str,
        schema: &'s Value,
        v: &Value,
        path: &str,
        dispatched: bool,
        depth: usize,
    ) -> Value {
        let Some(map) = v.as_object() else {
            self.issue(
                "InvalidType",
                path,
                format!("Invalid type at '{path}': expected an object."),
            );
            return v.clone();
        };
        let mut obj = Obj::default();
        self.collect(file, schema, &mut obj, 0);

        if !dispatched && let Some(disc) = obj.discriminator {
            let value = map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(disc))
                .and_then(|(_, v)| v.as_str());
            if let Some(kind) = value {
                let exact = self
                    .find_subtype(file, schema, kind, false)
                    .or_else(|| self.find_subtype(file, schema, kind, true));
                match exact {
                    Some((sf, sub)) if !std::ptr::eq(sub, schema) => {
                        return self.walk_inner(sf, sub, v, path, true, depth + 1);
                    }
                    Some(_) => {}
                    None => {
                        if self.mode == Mode::Project {
                            return v.clone();
                        }
                        let target = child_path(path, disc);
                        self.issue(
                            "InvalidDiscriminator",
                            &target,
                            format!("The {disc} '{kind}' is not supported in this api-version."),
                        );
                        return v.clone();
                    }
                }
            } else {
                if self.mode == Mode::Request {
                    let target = child_path(path, disc);
                    self.issue(
                        "MissingRequiredProperty",
                        &target,
                        format!("Required property '{disc}' not found in JSON. Path '{path}'."),
                    );
                }
                return v.clone();
            }
        }

        let mut out = Map::new();
        for (k, val) in map {
            let prop = obj
                .props
                .iter()
                .find(|(n, _, _)| *n == k.as_str())
                .or_else(|| obj.props.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(k)));
            match prop {
                Some(&(name, pf, ps)) => {
                    if self.mode == Mode::Request && self.is_read_only(pf, ps) {
                        continue;
                    }
                    let cp = child_path(path, name);
                    if self.mode == Mode::Project && Some(name) == obj.discriminator {
                        out.insert(name.to_string(), val.clone());
                        continue;
                    }
                    let cleaned = self.walk_inner(pf, ps, val, &cp, false, depth + 1);
                    out.insert(name.to_string(), cleaned);
                }
                None => match &obj.additional {
                    Some(Additional::Any) => {
                        out.insert(k.clone(), val.clone());
                    }
                    Some(Additional::Schema(af, asch)) => {
                        let cp = child_path(path, k);
                        let cleaned = self.walk_inner(af, asch, val, &cp, false, depth + 1);
                        out.insert(k.clone(), cleaned);
                    }
                    None => {
                        if self.mode == Mode::Request {
                            self.ignored.push(child_path(path, k));
                        }
                    }
                },
            }
        }
        if self.mode == Mode::Request {
            for r in &obj.required {
                let prop = obj.props.iter().find(|(n, _, _)| n == r);
                if let Some(&(_, pf, ps)) = prop {
                    if self.is_read_only(pf, ps) {
                        continue;
                    }
                    let present = out
                        .get(*r)
                        .is_some_and(|v| !v.is_null() || self.nullable(pf, ps));
                    if !present {
                        let target = child_path(path, r);
                        let at = if path.is_empty() {
                            String::new()
                        } else {
                            format!(" Path '{path}'.")
                        };
                        self.issue(
                            "MissingRequiredProperty",
                            &target,
                            format!("Required property '{r}' not found in JSON.{at}"),
                        );
                    }
                }
            }
        }
        Value::Object(out)
    }
}

/// Parses an ISO 8601 duration (`P[nY][nM][nW][nD][T[nH][nM][n[.n]S]]`) into seconds
/// (years as 365 days, months as 30).
pub(crate) fn parse_duration(s: &str) -> Option<f64> {
    let rest = s.strip_prefix('P').or_else(|| s.strip_prefix('p'))?;
    if rest.is_empty() {
        return None;
    }
    let (date, time) = match rest.find(['T', 't']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut total = 0.0;
    let mut any = false;
    let mut parse_part = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut num = String::new();
        let mut last_unit = 0usize;
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                num.push(if c == ',' { '.' } else { c });
            } else {
                let idx = units.iter().position(|(u, _)| u.eq_ignore_ascii_case(&c))?;
                if idx < last_unit || num.is_empty() {
                    return None;
                }
                last_unit = idx + 1;
                let n: f64 = num.parse().ok()?;
                total += n * units[idx].1;
                num.clear();
                any = true;
            }
        }
        num.is_empty().then_some(())
    };
    parse_part(
        date,
        &[
            ('Y', 365.0 * 86400.0),
            ('M', 30.0 * 86400.0),
            ('W', 7.0 * 86400.0),
            ('D', 86400.0),
        ],
    )?;
    if let Some(t) = time {
        if t.is_empty() {
            return None;
        }
        parse_part(t, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    }
    any.then_some(total)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

fn is_date_time(s: &str) -> bool {
    if s.len() < 19 || !is_date(&s[..10]) {
        return false;
    }
    let b = s.as_bytes();
    if !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return false;
    }
    let t = &s[11..];
    let tb = t.as_bytes();
    if tb.len() < 8 || tb[2] != b':' || tb[5] != b':' {
        return false;
    }
    if ![0, 1, 3, 4, 6, 7].iter().all(|i| tb[*i].is_ascii_digit()) {
        return false;
    }
    let mut rest = &t[8..];
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &r[digits..];
    }
    match rest {
        "" | "Z" | "z" => true,
        tz => {
            let tzb = tz.as_bytes();
            tzb.len() == 6
                && (tzb[0] == b'+' || tzb[0] == b'-')
                && tzb[3] == b':'
                && [1, 2, 4, 5].iter().all(|i| tzb[*i].is_ascii_digit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H"), Some(3600.0));
        assert_eq!(parse_duration("P2DT1H30M"), Some(2.0 * 86400.0 + 5400.0));
        assert_eq!(parse_duration("P14D"), Some(14.0 * 86400.0));
        assert_eq!(parse_duration("PT0.5S"), Some(0.5));
        for bad in [
            "", "P", "PT", "1h", "PT1", "P1H", "PTH", "PT1M1H", "01:00:00",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn date_times() {
        assert!(is_date_time("2021-03-01T13:17:30Z"));
        assert!(is_date_time("2021-08-24T06:56:31.6301521Z"));
        assert!(is_date_time("2021-08-24T06:56:31+02:00"));
        assert!(!is_date_time("2021-13-24T06:56:31Z"));
        assert!(!is_date_time("yesterday"));
        assert!(is_date("2021-05-18"));
    }
}
