//! The CSV writer for imported watchlists: a header and one record per item, LF line endings, a
//! field quoted only when [`crate::schema::csv::needs_quotes`] says the reader would otherwise change
//! it (so `schema::csv::parse` reads the output back to the same table; tested).

/// Writes `header` and `rows` as CSV text ending in a line break.
pub fn to_csv(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for record in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let fields: Vec<String> = record.iter().map(|v| field(v)).collect();
        if fields.len() == 1 && fields[0].is_empty() {
            // a lone empty field would be a blank line, which readers skip
            out.push_str("\"\"");
        } else {
            out.push_str(&fields.join(","));
        }
        out.push('\n');
    }
    out
}

fn field(value: &str) -> String {
    if crate::schema::csv::needs_quotes(value) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_reads_back_what_is_written() {
        let header = vec!["ip".to_string(), "note, long".to_string()];
        let rows = vec![
            vec!["10.0.0.1".to_string(), " padded ".to_string()],
            vec!["10.0.0.2".to_string(), "say \"hi\"\nthere".to_string()],
            vec![String::new(), "\u{feff}x".to_string()],
        ];
        let text = to_csv(&header, &rows);
        let back = crate::schema::csv::parse(&text).unwrap();
        assert_eq!(back.header, header);
        let values: Vec<Vec<String>> = back.rows.into_iter().map(|r| r.values).collect();
        assert_eq!(values, rows);
    }
}
