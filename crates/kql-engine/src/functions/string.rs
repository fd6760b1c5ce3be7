//! String functions: length and slicing, concatenation, case, trimming, replacement, search, regular
//! expression extraction, splitting, and the structured parsers (`parse_url`, `parse_path`,
//! `parse_csv`, `parse_version`, `parse_command_line`).
//!
//! Positions and lengths count Unicode characters. Regular expressions use RE2 syntax (the `regex`
//! crate), as Kusto does; a rewrite string's `\1` refers to the first group. Behaviours taken from the
//! function pages' examples: `indexof`'s `length` bounds a window of `length + 1` characters from
//! `start` (so `indexof("abcdefg","cde",1,2)` is -1 and `(…,1,4)` is 2), a negative `start` counts from
//! the end for `indexof` but makes `indexof_regex` null; `countof` counts overlapping matches of plain
//! text and non-overlapping regex matches; `replace_strings` gives earlier lookups priority where
//! matches overlap and leaves text in place when a replacement is not a string.

use std::sync::Arc;

use super::{Cx, Func, MANY, arg, bad_arg, f, int, s, string, t};
use crate::error::{EvalError, Result};
use crate::scalar_ops::{fold, has_term_ci};
use crate::value::{Bag, Decimal, Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("strlen", 1, 1, t(Type::Long), |a, _| {
        Ok(Value::Long(count_chars(&s(&a[0]))))
    }),
    f("string_size", 1, 1, t(Type::Long), |a, _| {
        Ok(Value::Long(
            i64::try_from(s(&a[0]).len()).unwrap_or(i64::MAX),
        ))
    }),
    f("substring", 2, 3, t(Type::String), substring),
    f("strcat", 1, MANY, t(Type::String), strcat),
    f("strcat_delim", 2, MANY, t(Type::String), strcat_delim),
    f("tolower", 1, 1, t(Type::String), |a, _| {
        Ok(string(s(&a[0]).to_lowercase()))
    }),
    f("toupper", 1, 1, t(Type::String), |a, _| {
        Ok(string(s(&a[0]).to_uppercase()))
    }),
    f("trim", 2, 2, t(Type::String), |a, cx| {
        trim(a, cx, true, true)
    }),
    f("trim_start", 2, 2, t(Type::String), |a, cx| {
        trim(a, cx, true, false)
    }),
    f("trim_end", 2, 2, t(Type::String), |a, cx| {
        trim(a, cx, false, true)
    }),
    f("replace_string", 3, 3, t(Type::String), replace_string),
    f("replace_strings", 3, 3, t(Type::String), replace_strings),
    f("replace_regex", 3, 3, t(Type::String), |a, cx| {
        replace_regex(&a[0], &a[1], &a[2], cx)
    }),
    f("replace", 3, 3, t(Type::String), |a, cx| {
        replace_regex(&a[2], &a[0], &a[1], cx)
    }),
    f("reverse", 1, 1, t(Type::String), reverse),
    f("strrep", 2, 3, t(Type::String), strrep),
    f("indexof", 2, 5, t(Type::Long), indexof),
    f("indexof_regex", 2, 5, t(Type::Long), indexof_regex),
    f("countof", 2, 3, t(Type::Long), countof),
    f("extract", 3, 4, t(Type::String), extract),
    f("extract_all", 2, 3, t(Type::Dynamic), extract_all),
    f("extractall", 2, 3, t(Type::Dynamic), extract_all),
    f("split", 2, 3, t(Type::Dynamic), split),
    f("strcmp", 2, 2, t(Type::Long), |a, _| {
        Ok(Value::Long(
            match s(&a[0]).as_ref().cmp(s(&a[1]).as_ref()) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            },
        ))
    }),
    f("has_any_index", 2, 2, t(Type::Long), has_any_index),
    f("regex_quote", 1, 1, t(Type::String), |a, _| {
        Ok(string(regex_quote(&s(&a[0]))))
    }),
    f("translate", 3, 3, t(Type::String), translate),
    f("parse_url", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(parse_url(&s(&a[0])))
    }),
    f("parseurl", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(parse_url(&s(&a[0])))
    }),
    f("parse_urlquery", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(parse_urlquery(&s(&a[0])))
    }),
    f("parse_path", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(parse_path(&s(&a[0])))
    }),
    f("parse_csv", 1, 1, t(Type::Dynamic), |a, _| {
        Ok(parse_csv(&s(&a[0])))
    }),
    f("parse_version", 1, 1, t(Type::Decimal), |a, _| {
        Ok(parse_version(&s(&a[0])))
    }),
    f(
        "parse_command_line",
        2,
        2,
        t(Type::Dynamic),
        parse_command_line,
    ),
    f(
        "unicode_codepoints_from_string",
        1,
        1,
        t(Type::Dynamic),
        |a, _| {
            Ok(Value::array(
                s(&a[0])
                    .chars()
                    .map(|c| Value::Long(i64::from(u32::from(c))))
                    .collect(),
            ))
        },
    ),
    f(
        "unicode_codepoints_to_string",
        1,
        1,
        t(Type::String),
        |a, _| {
            Ok(match &a[0] {
                Value::Array(items) => string(
                    items
                        .iter()
                        .filter_map(|v| {
                            int(v)
                                .and_then(|i| u32::try_from(i).ok())
                                .and_then(char::from_u32)
                        })
                        .collect::<String>(),
                ),
                _ => Value::Null,
            })
        },
    ),
    f("make_string", 1, MANY, t(Type::String), |a, _| {
        let mut out = String::new();
        for v in a {
            match v {
                Value::Array(items) => out.extend(items.iter().filter_map(|v| {
                    int(v)
                        .and_then(|i| u32::try_from(i).ok())
                        .and_then(char::from_u32)
                })),
                other => out.extend(
                    int(other)
                        .and_then(|i| u32::try_from(i).ok())
                        .and_then(char::from_u32),
                ),
            }
        }
        Ok(string(out))
    }),
];

pub(crate) fn count_chars(s: &str) -> i64 {
    i64::try_from(s.chars().count()).unwrap_or(i64::MAX)
}

/// Byte offset of character index `ci` (clamped to the end).
fn byte_at(s: &str, ci: usize) -> usize {
    s.char_indices().nth(ci).map_or(s.len(), |(b, _)| b)
}

fn substring(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let text = s(&a[0]);
    let n = text.chars().count();
    let Some(start) = int(&a[1]) else {
        return Ok(string(""));
    };
    let start = if start < 0 {
        0
    } else {
        usize::try_from(start).unwrap_or(usize::MAX)
    };
    if start >= n {
        return Ok(string(""));
    }
    let len = match a.get(2).map(int) {
        Some(Some(l)) if l >= 0 => usize::try_from(l).unwrap_or(usize::MAX),
        Some(Some(_)) => 0,
        _ => n - start,
    };
    let end = start.saturating_add(len).min(n);
    let b0 = byte_at(&text, start);
    let b1 = byte_at(&text, end);
    Ok(string(&text[b0..b1]))
}

fn strcat(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let mut out = String::new();
    for v in a {
        out.push_str(&s(v));
    }
    cx.budget.check_string(out.len())?;
    Ok(string(out))
}

fn strcat_delim(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let delim = s(&a[0]);
    let mut out = String::new();
    for (i, v) in a[1..].iter().enumerate() {
        if i > 0 {
            out.push_str(&delim);
        }
        out.push_str(&s(v));
    }
    cx.budget.check_string(out.len())?;
    Ok(string(out))
}

/// `^(?:re)+` / `(?:re)+$` removal.
fn trim(a: &[Value], cx: &Cx<'_>, start: bool, end: bool) -> Result<Value> {
    let pat = s(&a[0]);
    let text = s(&a[1]);
    if pat.is_empty() {
        return Ok(string(text.as_ref()));
    }
    let mut out: &str = &text;
    if start {
        let re = cx.regex(&format!("^(?:{pat})+"))?;
        if let Some(m) = re.find(out) {
            out = &out[m.end()..];
        }
    }
    if end {
        let re = cx.regex(&format!("(?:{pat})+$"))?;
        if let Some(m) = re.find(out) {
            out = &out[..m.start()];
        }
    }
    Ok(string(out))
}

fn replace_string(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let text = s(&a[0]);
    let look = s(&a[1]);
    if look.is_empty() {
        return Ok(string(text.as_ref()));
    }
    let out = text.replace(look.as_ref(), &s(&a[2]));
    cx.budget.check_string(out.len())?;
    Ok(string(out))
}

fn replace_strings(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let text = s(&a[0]);
    let (Value::Array(looks), Value::Array(reps)) = (&a[1], &a[2]) else {
        return Ok(string(text.as_ref()));
    };
    // (start, end, replacement) ranges in lookup priority order
    let mut taken: Vec<(usize, usize, Option<Arc<str>>)> = Vec::new();
    for (i, l) in looks.iter().enumerate() {
        let Value::String(l) = l else { continue };
        if l.is_empty() {
            continue;
        }
        let rep = match reps.get(i) {
            Some(Value::String(r)) => Some(r.clone()),
            _ => None,
        };
        for (pos, m) in text.match_indices(l.as_ref()) {
            let end = pos + m.len();
            if taken.iter().all(|(s0, e0, _)| end <= *s0 || pos >= *e0) {
                taken.push((pos, end, rep.clone()));
            }
        }
    }
    taken.sort_by_key(|t| t.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s0, e0, rep) in taken {
        out.push_str(&text[at..s0]);
        match rep {
            Some(r) => out.push_str(&r),
            None => out.push_str(&text[s0..e0]),
        }
        at = e0;
    }
    out.push_str(&text[at..]);
    cx.budget.check_string(out.len())?;
    Ok(string(out))
}

/// Converts a Kusto rewrite string (`\1` group references) to the `regex` crate's (`${1}`).
pub(crate) fn rewrite_template(r: &str) -> String {
    let mut out = String::with_capacity(r.len());
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            '$' => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out
}

fn replace_regex(text: &Value, re: &Value, rewrite: &Value, cx: &Cx<'_>) -> Result<Value> {
    let text = s(text);
    let re = cx.regex(&s(re))?;
    let out = re
        .replace_all(&text, rewrite_template(&s(rewrite)).as_str())
        .into_owned();
    cx.budget.check_string(out.len())?;
    Ok(string(out))
}

fn reverse(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(string(s(&a[0]).chars().rev().collect::<String>()))
}

fn strrep(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let text = s(&a[0]);
    let Some(n) = int(&a[1]) else {
        return Ok(string(""));
    };
    let n = usize::try_from(n.clamp(0, 1024)).unwrap_or(0);
    let delim = s(arg(a, 2));
    cx.budget
        .check_string((text.len() + delim.len()).saturating_mul(n))?;
    let parts: Vec<&str> = std::iter::repeat_n(text.as_ref(), n).collect();
    Ok(string(parts.join(&delim)))
}

/// The character window `indexof` searches, as (start char, end char).
fn window(n: usize, start: i64, length: i64) -> Option<(usize, usize)> {
    let n_i = i64::try_from(n).ok()?;
    let start = if start < 0 {
        (n_i + start).max(0)
    } else {
        start
    };
    if start > n_i {
        return None;
    }
    let end = if length < 0 {
        n_i
    } else {
        (start + length + 1).min(n_i)
    };
    Some((
        usize::try_from(start).ok()?,
        usize::try_from(end.max(start)).ok()?,
    ))
}

fn indexof(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    if a[0].is_null() || a[1].is_null() {
        return Ok(Value::Null);
    }
    let text = s(&a[0]);
    let look = s(&a[1]);
    let start = int(arg(a, 2)).unwrap_or(0);
    let length = int(arg(a, 3)).unwrap_or(-1);
    let occurrence = int(arg(a, 4)).unwrap_or(1);
    if occurrence < 1 {
        return Ok(Value::Null);
    }
    let chars: Vec<char> = text.chars().collect();
    let Some((w0, w1)) = window(chars.len(), start, length) else {
        return Ok(Value::Long(-1));
    };
    let needle: Vec<char> = look.chars().collect();
    let mut seen = 0;
    let mut i = w0;
    while i + needle.len() <= w1 {
        if chars[i..i + needle.len()] == needle[..] {
            seen += 1;
            if seen == occurrence {
                return Ok(Value::Long(i64::try_from(i).unwrap_or(-1)));
            }
        }
        i += 1;
    }
    Ok(Value::Long(-1))
}

fn indexof_regex(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let text = s(&a[0]);
    let start = int(arg(a, 2)).unwrap_or(0);
    let length = int(arg(a, 3)).unwrap_or(-1);
    let occurrence = int(arg(a, 4)).unwrap_or(1);
    if start < 0 || occurrence < 1 {
        return Ok(Value::Null);
    }
    let re = cx.regex(&s(&a[1]))?;
    let n = text.chars().count();
    let Some((w0, w1)) = window(n, start, length) else {
        return Ok(Value::Long(-1));
    };
    let b0 = byte_at(&text, w0);
    let b1 = byte_at(&text, w1);
    let hay = &text[b0..b1];
    match re
        .find_iter(hay)
        .nth(usize::try_from(occurrence - 1).unwrap_or(usize::MAX))
    {
        Some(m) => Ok(Value::Long(count_chars(&text[..b0 + m.start()]))),
        None => Ok(Value::Long(-1)),
    }
}

fn countof(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let text = s(&a[0]);
    let look = s(&a[1]);
    let kind = s(arg(a, 2));
    if kind == "regex" {
        let re = cx.regex(&look)?;
        return Ok(Value::Long(
            i64::try_from(re.find_iter(&text).count()).unwrap_or(0),
        ));
    }
    if look.is_empty() {
        return Ok(Value::Long(0));
    }
    let mut n = 0i64;
    let mut from = 0;
    while let Some(p) = text[from..].find(look.as_ref()) {
        n += 1;
        let at = from + p;
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
    Ok(Value::Long(n))
}

fn extract(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let re = cx.regex(&s(&a[0]))?;
    let group = int(&a[1]).and_then(|g| usize::try_from(g).ok());
    let text = s(&a[2]);
    let found = group.and_then(|g| {
        re.captures(&text)
            .and_then(|c| c.get(g))
            .map(|m| m.as_str().to_string())
    });
    match a.get(3) {
        Some(Value::String(ty)) => {
            let ty = Type::from_name(ty).unwrap_or(Type::String);
            Ok(found.map_or(
                if ty == Type::String {
                    string("")
                } else {
                    Value::Null
                },
                |v| super::convert::cast(&Value::string(v), ty),
            ))
        }
        _ => Ok(string(found.unwrap_or_default())),
    }
}

fn extract_all(a: &[Value], cx: &Cx<'_>) -> Result<Value> {
    let re = cx.regex(&s(&a[0]))?;
    let (groups_arg, text) = if a.len() == 3 {
        (Some(&a[1]), s(&a[2]))
    } else {
        (None, s(&a[1]))
    };
    let ngroups = re.captures_len() - 1;
    // which groups, by index or name
    let groups: Vec<usize> = match groups_arg {
        Some(Value::Array(items)) => {
            let mut g = Vec::new();
            for it in items.iter() {
                match it {
                    Value::String(name) => {
                        match re.capture_names().position(|n| n == Some(name.as_ref())) {
                            Some(i) => g.push(i),
                            None => {
                                return Err(bad_arg(
                                    "extract_all",
                                    &format!("no capture group named `{name}`"),
                                ));
                            }
                        }
                    }
                    other => match int(other).and_then(|i| usize::try_from(i).ok()) {
                        Some(i) if (1..=ngroups).contains(&i) => g.push(i),
                        _ => {
                            return Err(bad_arg(
                                "extract_all",
                                "capture group numbers run from 1 to the number of groups",
                            ));
                        }
                    },
                }
            }
            g
        }
        _ => (1..=ngroups.max(1)).collect(),
    };
    let mut out = Vec::new();
    for caps in re.captures_iter(&text) {
        if ngroups == 0 {
            out.push(string(caps.get(0).map_or("", |m| m.as_str())));
            continue;
        }
        let vals: Vec<Value> = groups
            .iter()
            .map(|&g| string(caps.get(g).map_or("", |m| m.as_str())))
            .collect();
        if groups.len() == 1 && groups_arg.is_none() {
            out.extend(vals);
        } else {
            out.push(Value::array(vals));
        }
    }
    if out.is_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::array(out))
}

fn split(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let text = s(&a[0]);
    let delim = s(&a[1]);
    let parts: Vec<Value> = if delim.is_empty() {
        vec![string(text.as_ref())]
    } else {
        text.split(delim.as_ref()).map(string).collect()
    };
    match a.get(2) {
        None => Ok(Value::array(parts)),
        Some(i) => Ok(Value::array(
            int(i)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| parts.get(i).cloned())
                .into_iter()
                .collect(),
        )),
    }
}

fn has_any_index(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Value::Array(items) = &a[1] else {
        return Ok(Value::Null);
    };
    for (i, it) in items.iter().enumerate() {
        let term = fold(&s(it)).into_owned();
        if !term.is_empty() && has_term_ci(&a[0], &term) {
            return Ok(Value::Long(i64::try_from(i).unwrap_or(-1)));
        }
    }
    Ok(Value::Long(-1))
}

/// Escapes regular-expression metacharacters as .NET's `Regex.Escape` does.
pub(crate) fn regex_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '*' | '+' | '?' | '|' | '{' | '[' | '(' | ')' | '^' | '$' | '.' | '#' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            _ => out.push(c),
        }
    }
    out
}

fn translate(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let from: Vec<char> = s(&a[0]).chars().collect();
    let to: Vec<char> = s(&a[1]).chars().collect();
    let text = s(&a[2]);
    let out: String = text
        .chars()
        .filter_map(|c| match from.iter().position(|x| *x == c) {
            None => Some(c),
            Some(_) if to.is_empty() => None,
            Some(i) => Some(*to.get(i).unwrap_or_else(|| to.last().unwrap_or(&c))),
        })
        .collect();
    Ok(string(out))
}

fn bag_of(pairs: Vec<(&str, Value)>) -> Value {
    let mut b = Bag::new();
    for (k, v) in pairs {
        b.insert(k, v);
    }
    Value::bag(b)
}

fn query_bag(q: &str) -> Value {
    let mut b = Bag::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        b.insert(
            super::encode::url_decode_str(k),
            string(super::encode::url_decode_str(v)),
        );
    }
    Value::bag(b)
}

/// `parse_url`: Scheme, Host, Port, Path, Username, Password, Query Parameters, Fragment.
pub(crate) fn parse_url(url: &str) -> Value {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Value::Null;
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (&authority[..i], &authority[i + 1..]),
        None => ("", authority),
    };
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (host, port) = if hostport.starts_with('[') {
        match hostport.find(']') {
            Some(i) => (&hostport[..=i], hostport[i + 1..].trim_start_matches(':')),
            None => (hostport, ""),
        }
    } else {
        hostport.split_once(':').unwrap_or((hostport, ""))
    };
    bag_of(vec![
        ("Scheme", string(scheme)),
        ("Host", string(host)),
        ("Port", string(port)),
        ("Path", string(path)),
        ("Username", string(user)),
        ("Password", string(pass)),
        ("Query Parameters", query_bag(query)),
        ("Fragment", string(fragment)),
    ])
}

fn parse_urlquery(q: &str) -> Value {
    let q = q.strip_prefix('?').unwrap_or(q);
    bag_of(vec![("Query Parameters", query_bag(q))])
}

/// `parse_path` (the parse-path-function page's examples).
fn parse_path(p: &str) -> Value {
    let (scheme, body) = match p.split_once("://") {
        Some((s0, rest)) if !s0.is_empty() && s0.chars().all(|c| c.is_ascii_alphanumeric()) => {
            (s0, rest)
        }
        _ => ("", p),
    };
    let sep_at = |s0: &str| s0.rfind(['\\', '/']);
    // alternate data stream: `file.txt:stream` in the last segment (not a drive letter)
    let last_start = sep_at(body).map_or(0, |i| i + 1);
    let (body, ads) = match body[last_start..].find(':') {
        Some(i) if last_start + i > 1 => (&body[..last_start + i], &body[last_start + i + 1..]),
        _ => (body, ""),
    };
    let root = if body.len() >= 2
        && body.as_bytes()[1] == b':'
        && body.as_bytes()[0].is_ascii_alphabetic()
    {
        &body[..2]
    } else {
        ""
    };
    let (dir, file) = match sep_at(body) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => ("", body),
    };
    let dir_name = dir.rsplit(['\\', '/']).next().unwrap_or("");
    let ext = match file.rfind('.') {
        Some(i) => &file[i + 1..],
        None => "",
    };
    bag_of(vec![
        ("Scheme", string(scheme)),
        ("RootPath", string(root)),
        ("DirectoryPath", string(dir)),
        ("DirectoryName", string(dir_name)),
        ("Filename", string(file)),
        ("Extension", string(ext)),
        ("AlternateDataStreamName", string(ads)),
    ])
}

/// The first record of CSV text, with `""` escapes and quoted separators and newlines.
fn parse_csv(text: &str) -> Value {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => fields.push(string(std::mem::take(&mut cur))),
            '\n' | '\r' => break,
            _ => cur.push(c),
        }
    }
    fields.push(string(cur));
    Value::array(fields)
}

/// `parse_version`: up to four numeric parts, each as eight decimal digits of one number.
fn parse_version(v: &str) -> Value {
    let parts: Vec<&str> = v.trim().split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return Value::Null;
    }
    let mut n: i128 = 0;
    for i in 0..4 {
        let p = parts.get(i).copied().unwrap_or("0");
        let Ok(x) = p.trim().parse::<u32>() else {
            return Value::Null;
        };
        if x > 99_999_999 {
            return Value::Null;
        }
        n = n * 100_000_000 + i128::from(x);
    }
    Decimal::try_from_i128_with_scale(n, 0).map_or(Value::Null, Value::Decimal)
}

/// `parse_command_line(cmd, "windows")`: `CommandLineToArgvW`'s quoting rules.
fn parse_command_line(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let kind = s(&a[1]);
    if !kind.eq_ignore_ascii_case("windows") {
        return Err(EvalError::unsupported(format!(
            "`parse_command_line` with parser `{kind}`"
        )));
    }
    let cmd = s(&a[0]);
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut in_arg = false;
    let mut quoted = false;
    let chars: Vec<char> = cmd.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let mut n = 0;
            while i < chars.len() && chars[i] == '\\' {
                n += 1;
                i += 1;
            }
            if i < chars.len() && chars[i] == '"' {
                cur.extend(std::iter::repeat_n('\\', n / 2));
                if n % 2 == 1 {
                    cur.push('"');
                    i += 1;
                }
            } else {
                cur.extend(std::iter::repeat_n('\\', n));
            }
            in_arg = true;
            continue;
        }
        if c == '"' {
            if quoted && chars.get(i + 1) == Some(&'"') {
                cur.push('"');
                i += 2;
                continue;
            }
            quoted = !quoted;
            in_arg = true;
        } else if (c == ' ' || c == '\t') && !quoted {
            if in_arg {
                args.push(string(std::mem::take(&mut cur)));
                in_arg = false;
            }
        } else {
            cur.push(c);
            in_arg = true;
        }
        i += 1;
    }
    if in_arg {
        args.push(string(cur));
    }
    Ok(Value::array(args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::DateTime;
    use crate::options::{Budget, Limits};

    fn call(name: &str, args: &[Value]) -> Value {
        let b = Budget::new(&Limits::default());
        let cx = Cx::new(DateTime::UNIX_EPOCH, &b);
        let func = FUNCTIONS.iter().find(|x| x.name == name).unwrap();
        (func.imp)(args, &cx).unwrap()
    }
    fn st(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn indexof_windows() {
        let i = |args: &[Value]| call("indexof", args).as_i64();
        assert_eq!(i(&[st("abcdefg"), st("cde")]), Some(2));
        assert_eq!(
            i(&[st("abcdefg"), st("cde"), Value::Long(1), Value::Long(4)]),
            Some(2)
        );
        assert_eq!(
            i(&[st("abcdefg"), st("cde"), Value::Long(1), Value::Long(2)]),
            Some(-1)
        );
        assert_eq!(i(&[st("abcdefg"), st("cde"), Value::Long(-5)]), Some(2));
        assert_eq!(
            i(&[
                st("abcdefgabcdefg"),
                st("cde"),
                Value::Long(1),
                Value::Long(10),
                Value::Long(2)
            ]),
            Some(9)
        );
    }

    #[test]
    fn replace_strings_priority() {
        let r = call(
            "replace_strings",
            &[
                st("This is an example"),
                Value::array(vec![st("is"), st("This")]),
                Value::array(vec![st("was"), st("This")]),
            ],
        );
        assert_eq!(r.as_str(), Some("Thwas was an example"));
    }

    #[test]
    fn split_and_trim() {
        assert_eq!(
            call("split", &[st("a__b"), st("_")]).to_kusto_string(),
            r#"["a","","b"]"#
        );
        assert_eq!(
            call("split", &[st("aaa_bbb"), st("_"), Value::Long(5)]).to_kusto_string(),
            "[]"
        );
        assert_eq!(call("trim", &[st("--"), st("--a--")]).as_str(), Some("a"));
        assert_eq!(
            call("trim_end", &[st(r"[^\w]+"), st("-  Te st1// $")]).as_str(),
            Some("-  Te st1")
        );
    }

    #[test]
    fn versions_and_paths() {
        assert_eq!(
            call("parse_version", &[st("1.2.3.4")]).to_kusto_string(),
            "1000000020000000300000004"
        );
        assert_eq!(
            call("parse_version", &[st("0.2")]).to_kusto_string(),
            "20000000000000000"
        );
        let p = call("parse_path", &[st(r"C:\temp\file.txt")]);
        assert_eq!(
            p.to_kusto_string(),
            r#"{"Scheme":"","RootPath":"C:","DirectoryPath":"C:\\temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#
        );
    }

    #[test]
    fn extraction() {
        let r = call(
            "extract_all",
            &[
                st(r"(\w)(\w+)(\w)"),
                Value::array(vec![Value::Long(1), Value::Long(3)]),
                st("ab-cde"),
            ],
        );
        assert_eq!(r.to_kusto_string(), r#"[["c","e"]]"#);
        assert_eq!(
            call("extract", &[st(r"\d+"), Value::Long(0), st("a 29")]).as_str(),
            Some("29")
        );
        assert_eq!(
            call("extract", &[st(r"x(\d+)"), Value::Long(1), st("a 29")]).as_str(),
            Some("")
        );
        assert_eq!(rewrite_template(r"\1-$"), "${1}-$$");
    }
}
