//! CSV text → a header and rows, with the byte range of every row, for watchlist items
//! (`watchlists/<alias>.csv` and the CSV files environment overrides name).
//!
//! The dialect is RFC 4180 as Sentinel's watchlist upload reads it: `,` separates fields, a field in
//! double quotes may hold commas, line breaks and `""` (one quote); CRLF or LF ends a record; blank
//! lines are skipped; a UTF-8 byte-order mark is ignored. Unquoted fields are trimmed (hand-written
//! files put spaces after commas); quoted fields are kept exactly.
//!
//! Does not: know watchlists (search keys, columns the query uses) — `crate::validate::watchlist`
//! checks those. Never panics on any input; every problem is a [`CsvProblem`] with a byte range.

use std::ops::Range;

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// Field values, one per header column.
    pub values: Vec<String>,
    /// Byte range of the record in the text.
    pub span: Range<usize>,
}

/// A parsed CSV file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvTable {
    /// Column names, in file order.
    pub header: Vec<String>,
    /// Byte range of the header record.
    pub header_span: Range<usize>,
    /// Data rows (every one has as many values as the header).
    pub rows: Vec<CsvRow>,
}

/// A problem in a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    /// Lowercase phrase.
    pub message: String,
    /// Where.
    pub span: Range<usize>,
    /// How to fix it.
    pub help: Option<String>,
}

impl CsvTable {
    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The fields of one record and its byte range.
type Record = (Vec<String>, Range<usize>);

/// Splits `text` into records of fields (with each record's byte range), or the first
/// unterminated quote.
fn records(text: &str) -> Result<Vec<Record>, CsvProblem> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let start_at = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut i = start_at;
    while i < bytes.len() {
        let start = i;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted_field = false;
        let mut in_quotes = false;
        let mut quote_start = 0;
        let mut chars = text[i..].char_indices();
        let mut end = bytes.len();
        let mut next = bytes.len();
        while let Some((off, c)) = chars.next() {
            let at = i + off;
            if in_quotes {
                if c == '"' {
                    if text[at + 1..].starts_with('"') {
                        field.push('"');
                        chars.next();
                    } else {
                        in_quotes = false;
                    }
                } else {
                    field.push(c);
                }
                continue;
            }
            match c {
                '"' if field.trim().is_empty() && !quoted_field => {
                    field.clear();
                    in_quotes = true;
                    quoted_field = true;
                    quote_start = at;
                }
                ',' => {
                    fields.push(finish(&mut field, quoted_field));
                    quoted_field = false;
                }
                '\n' | '\r' => {
                    end = at;
                    next = if c == '\r' && text[at + 1..].starts_with('\n') {
                        at + 2
                    } else {
                        at + 1
                    };
                    break;
                }
                c => {
                    if quoted_field && !c.is_whitespace() {
                        return Err(CsvProblem {
                            message: "text after the closing quote of a field".into(),
                            span: at..at + c.len_utf8(),
                            help: Some(
                                "write a quote inside a quoted field as `\"\"`, or quote the whole field"
                                    .into(),
                            ),
                        });
                    }
                    if !quoted_field {
                        field.push(c);
                    }
                }
            }
        }
        if in_quotes {
            return Err(CsvProblem {
                message: "a quoted field is not closed".into(),
                span: quote_start..quote_start + 1,
                help: Some("add the closing `\"`".into()),
            });
        }
        fields.push(finish(&mut field, quoted_field));
        let blank = fields.len() == 1 && fields[0].is_empty() && !quoted_field;
        if !blank {
            out.push((fields, start..end));
        }
        i = next;
    }
    Ok(out)
}

fn finish(field: &mut String, quoted: bool) -> String {
    let value = std::mem::take(field);
    if quoted {
        value
    } else {
        value.trim().to_string()
    }
}

/// Parses CSV text; every problem found (not only the first) is returned.
pub fn parse(text: &str) -> Result<CsvTable, Vec<CsvProblem>> {
    let mut recs = records(text).map_err(|p| vec![p])?.into_iter();
    let Some((header, header_span)) = recs.next() else {
        return Err(vec![CsvProblem {
            message: "the CSV file has no header line".into(),
            span: 0..0,
            help: Some("the first line names the columns, e.g. `IPAddress,Description`".into()),
        }]);
    };
    let mut problems = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() {
            problems.push(CsvProblem {
                message: format!("column {} of the header has no name", i + 1),
                span: header_span.clone(),
                help: Some("name every column".into()),
            });
        } else if header[..i].contains(h) {
            problems.push(CsvProblem {
                message: format!("column `{h}` appears twice in the header"),
                span: header_span.clone(),
                help: Some("rename one of them".into()),
            });
        }
    }
    let mut rows = Vec::new();
    for (values, span) in recs {
        if values.len() == header.len() {
            rows.push(CsvRow { values, span });
        } else {
            problems.push(CsvProblem {
                message: format!(
                    "this row has {} values; the header has {} columns",
                    values.len(),
                    header.len()
                ),
                span,
                help: Some("quote values that contain commas".into()),
            });
        }
    }
    if problems.is_empty() {
        Ok(CsvTable {
            header,
            header_span,
            rows,
        })
    } else {
        Err(problems)
    }
}

/// One CSV field as written by [`crate::render::csv`]: quoted when it holds a separator, a quote,
/// a line break or surrounding spaces (which the reader would trim otherwise).
pub fn needs_quotes(value: &str) -> bool {
    value.contains([',', '"', '\n', '\r']) || value.trim() != value || value.starts_with('\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_line_breaks_and_crlf() {
        let t = parse(
            "\u{feff}ip, note\r\n10.0.0.1 , \"a, b\"\r\n\r\n10.0.0.2,\"say \"\"hi\"\"\nthere\"\n",
        )
        .unwrap();
        assert_eq!(t.header, ["ip", "note"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].values, ["10.0.0.1", "a, b"]);
        assert_eq!(t.rows[1].values, ["10.0.0.2", "say \"hi\"\nthere"]);
        assert_eq!(t.column("note"), Some(1));
    }

    #[test]
    fn problems_are_located() {
        let text = "a,b\n1,2,3\n4,5\n";
        let p = parse(text).unwrap_err();
        assert_eq!(p.len(), 1);
        assert_eq!(&text[p[0].span.clone()], "1,2,3");
        let p = parse("a,a\n").unwrap_err();
        assert!(p[0].message.contains("twice"));
        let p = parse("a\n\"open\n").unwrap_err();
        assert!(p[0].message.contains("not closed"));
        let p = parse("a\n\"x\"y\n").unwrap_err();
        assert!(p[0].message.contains("after the closing quote"));
        assert!(parse("").is_err());
        assert!(parse("\n\n").is_err());
    }

    #[test]
    fn a_header_only_file_has_no_rows() {
        let t = parse("IPAddress,Description\n").unwrap();
        assert!(t.rows.is_empty());
    }

    #[test]
    fn arbitrary_text_never_panics() {
        for text in [
            "\"",
            "\"\"\"",
            ",,,\n,",
            "é,\"ü\"\"\"\r",
            "\r\r\n\"a\r\"",
            "a\u{feff}",
        ] {
            let _ = parse(text);
        }
    }
}
