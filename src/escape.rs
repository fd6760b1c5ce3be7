//! Escaping of untrusted text (names, fields and queries from content or from a workspace) for each
//! output format, so that no value can change how a report is read: hide the rows after it in a
//! markdown comment, drive the terminal with ANSI sequences, or break a JUnit file.
//!
//! | format | function | what it does |
//! |---|---|---|
//! | terminal, one line | [`line`] | control characters (C0, DEL, C1, incl. ESC and newlines) and bidi overrides shown as `\u{…}` |
//! | terminal, multi-line block | [`block`] | the same, keeping `\n` and `\t` |
//! | markdown text / table cell | [`md`] | HTML-escapes `<>&"`, escapes markdown punctuation and `\|`, folds newlines, then [`line`] |
//! | markdown fence | [`fence`] | a backtick fence longer than any backtick run inside |
//! | XML attribute / text | [`xml`] | entity-escapes `<>&"'`, replaces characters XML 1.0 forbids |
//!
//! JSON and SARIF are written by serde, which escapes every control character already.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Unicode bidirectional controls ("Trojan source"): they reorder what a reviewer sees.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn unsafe_in_line(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

fn escape_with(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of terminal text: every control character (newlines included) and bidi override is
/// shown as an escape.
pub fn line(s: &str) -> Cow<'_, str> {
    escape_with(s, unsafe_in_line)
}

/// A block of terminal text (a query, a diff): like [`line`] but keeps newlines and tabs.
pub fn block(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| unsafe_in_line(c) && c != '\n' && c != '\t')
}

/// Text inside markdown (paragraphs, table cells, `<summary>`): nothing in it is markup.
pub fn md(s: &str) -> String {
    let folded = line(&s.replace("\r\n", " ").replace(['\n', '\r'], " ")).into_owned();
    let mut out = String::with_capacity(folded.len() + 8);
    for c in folded.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            // inline markup; line-start markup (`#`, `-`, `>`) cannot occur: newlines are folded
            '\\' | '*' | '_' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The opening/closing fence for a fenced block holding `body`: one backtick more than the longest
/// run of backticks inside (at least three), so the body cannot close it.
pub fn fence(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// Text for an XML attribute or element: entities for markup characters; characters XML 1.0 does
/// not allow (C0 controls other than tab, newline and carriage return; U+FFFE, U+FFFF) become
/// `\u{…}` text, so the document always parses.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' || (c as u32 == 0x7f) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_cannot_carry_escape_sequences() {
        assert_eq!(line("ok"), "ok");
        assert_eq!(line("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(line("a\nb\rc"), "a\\u{a}b\\u{d}c");
        assert_eq!(line("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(line("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(block("a\n\tb\u{7}"), "a\n\tb\\u{7}");
    }

    #[test]
    fn markdown_text_is_inert() {
        let hostile = "Tune thresholds\n<!-- | x | `y` ** [z](http://e) <script>";
        let out = md(hostile);
        assert!(!out.contains('\n'));
        assert!(!out.contains("<!--"));
        assert!(!out.contains('<') && !out.contains('|') && !out.contains('`'));
        assert!(out.contains("&lt;!--"));
    }

    #[test]
    fn fences_outgrow_their_content() {
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("a ``` b"), "````");
        assert_eq!(fence("``````"), "```````");
    }

    #[test]
    fn xml_text_always_parses() {
        assert_eq!(xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(xml("bell\u{7}\u{0}"), "bell\\u{7}\\u{0}");
        assert_eq!(xml("tab\tnl\n"), "tab\tnl\n");
    }
}
