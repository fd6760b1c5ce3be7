//! Walks `resources/valid/**/*.kql` (must analyse with no error) and `resources/invalid/**/*.kql` (must
//! give at least one error, including every code listed on its first line as `// expect: SC2003 …`),
//! against the catalog built from the repository's `schemas/*.json`. The same files are also run through
//! Kusto.Language by `scripts/conformance-kql`, which checks that it agrees.

use std::path::{Path, PathBuf};

use sentinel_kql::{Catalog, Column, ScalarType, Severity, Table, analyze};

fn catalog() -> Catalog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let mut catalog = Catalog::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("schemas/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let columns = v["Properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let ty = p["Type"].as_str().unwrap();
                Column::new(
                    p["Name"].as_str().unwrap(),
                    ScalarType::from_name(ty).unwrap_or(ScalarType::Unknown),
                )
            })
            .collect();
        catalog.add_table(Table {
            name: v["Name"].as_str().unwrap().to_string(),
            columns,
        });
    }
    catalog
}

fn kql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            kql_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "kql") {
            out.push(p);
        }
    }
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    kql_files(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("resources")
            .join(kind),
        &mut out,
    );
    assert!(!out.is_empty(), "no fixtures under resources/{kind}");
    out
}

fn render(text: &str, a: &sentinel_kql::Analysis) -> String {
    a.diagnostics
        .iter()
        .map(|d| {
            format!(
                "  {} {} at {:?} `{}`",
                d.code,
                d.message,
                d.range,
                &text[d.range.clone()]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn valid_fixtures_have_no_errors() {
    let catalog = catalog();
    let mut failures = Vec::new();
    for path in fixtures("valid") {
        let text = std::fs::read_to_string(&path).unwrap();
        let a = analyze(&text, &catalog);
        if a.has_errors() {
            failures.push(format!("{}:\n{}", path.display(), render(&text, &a)));
        }
    }
    assert!(
        failures.is_empty(),
        "valid fixtures with errors:\n{}",
        failures.join("\n")
    );
}

#[test]
fn invalid_fixtures_report_the_expected_codes() {
    let catalog = catalog();
    let mut failures = Vec::new();
    for path in fixtures("invalid") {
        let text = std::fs::read_to_string(&path).unwrap();
        let a = analyze(&text, &catalog);
        let expected: Vec<&str> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect:"))
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default();
        assert!(
            !expected.is_empty(),
            "{}: first line must be `// expect: SC…`",
            path.display()
        );
        let codes: Vec<&str> = a
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code)
            .collect();
        for code in &expected {
            if !codes.contains(code) {
                failures.push(format!(
                    "{}: expected {code}, got:\n{}",
                    path.display(),
                    render(&text, &a)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn diagnostics_are_sorted_and_inside_the_query() {
    let catalog = catalog();
    for kind in ["valid", "invalid"] {
        for path in fixtures(kind) {
            let text = std::fs::read_to_string(&path).unwrap();
            let a = analyze(&text, &catalog);
            for w in a.diagnostics.windows(2) {
                assert!(
                    w[0].range.start <= w[1].range.start,
                    "{}: diagnostics not sorted",
                    path.display()
                );
            }
            for d in &a.diagnostics {
                assert!(
                    d.range.start <= d.range.end && d.range.end <= text.len(),
                    "{}: range out of bounds",
                    path.display()
                );
                assert!(text.is_char_boundary(d.range.start) && text.is_char_boundary(d.range.end));
            }
        }
    }
}
