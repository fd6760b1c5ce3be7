//! LIST paging: `{"value":[…],"nextLink":…}` with an opaque `$skipToken` naming the last item
//! returned. Items are ordered by lower-cased name, so paging is stable while items are added or
//! removed between pages (an item is never returned twice).

use serde_json::{Value, json};

use crate::encoding;
use crate::errors::{Reply, arm_error};

pub(crate) struct PageRequest<'a> {
    /// Absolute base URL of the emulator (`https://127.0.0.1:1234`).
    pub(crate) base_url: &'a str,
    /// Request path (as received).
    pub(crate) path: &'a str,
    /// Decoded query pairs as received.
    pub(crate) query: &'a [(String, String)],
    pub(crate) page_size: usize,
}

/// Pages `items` (already sorted by key), rendering only the items of the page. Returns the list body.
pub(crate) fn page<T>(
    items: impl IntoIterator<Item = (String, T)>,
    req: &PageRequest<'_>,
    render: impl Fn(T) -> Value,
) -> Result<Value, Reply> {
    let after = match req
        .query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("$skipToken"))
    {
        Some((_, tok)) => Some(
            encoding::b64url_decode(tok)
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix("k:").map(str::to_string))
                .ok_or_else(|| {
                    arm_error(
                        400,
                        "InvalidSkipToken",
                        format!("The skip token '{tok}' is invalid."),
                    )
                })?,
        ),
        None => None,
    };
    let top = req
        .query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("$top"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let size = top.map_or(req.page_size, |t| t.min(req.page_size)).max(1);
    let mut rest = items
        .into_iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
        .peekable();
    let mut value = Vec::new();
    let mut last_key = None;
    while value.len() < size {
        match rest.next() {
            Some((k, v)) => {
                value.push(render(v));
                last_key = Some(k);
            }
            None => break,
        }
    }
    let more = rest.peek().is_some();
    let mut body = json!({"value": value});
    if more && let Some(k) = last_key {
        let token = encoding::b64url(format!("k:{k}").as_bytes());
        let mut q: Vec<String> = req
            .query
            .iter()
            .filter(|(k, _)| {
                !k.eq_ignore_ascii_case("$skipToken") && !k.eq_ignore_ascii_case("$skip")
            })
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    encoding::percent_encode(k),
                    encoding::percent_encode(v)
                )
            })
            .collect();
        q.push(format!("$skipToken={token}"));
        body["nextLink"] = Value::String(format!("{}{}?{}", req.base_url, req.path, q.join("&")));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_next_links() {
        let items: Vec<(String, Value)> = (0..5).map(|i| (format!("k{i}"), json!(i))).collect();
        let q = vec![("api-version".to_string(), "2025-12-01".to_string())];
        let req = PageRequest {
            base_url: "https://h",
            path: "/p",
            query: &q,
            page_size: 2,
        };
        let p1 = page(items.clone(), &req, |v| v).unwrap();
        assert_eq!(p1["value"], json!([0, 1]));
        let next = p1["nextLink"].as_str().unwrap();
        assert!(next.starts_with("https://h/p?api-version=2025-12-01&$skipToken="));
        let tok = next.rsplit_once('=').unwrap().1.to_string();
        let q2 = vec![q[0].clone(), ("$skipToken".to_string(), tok)];
        let p2 = page(items, &PageRequest { query: &q2, ..req }, |v| v).unwrap();
        assert_eq!(p2["value"], json!([2, 3]));
    }
}
