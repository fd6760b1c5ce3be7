//! Text normalisation shared by every content kind: what the portal and the service change in
//! text without changing its meaning.

/// Normalises a KQL query: CRLF and CR → LF, non-breaking spaces → spaces, trailing whitespace
/// at the end removed (the YAML chomping indicator and the portal disagree about it).
pub fn normalize_query(query: &str) -> String {
    let mut out = query
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\u{a0}', " ");
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_line_endings_and_chomping_do_not_matter() {
        assert_eq!(
            normalize_query("T\r\n| where x\u{a0}== 1\r\n"),
            "T\n| where x == 1"
        );
        assert_eq!(
            normalize_query("T\n| where x == 1\n\n"),
            normalize_query("T\n| where x == 1")
        );
    }
}
