//! Fuzz target: arbitrary bytes through the content loader and the offline rule checks.
//!
//! Property: nothing panics, and every diagnostic range (primary and labels) and every YAML
//! problem offset lies inside the text on char boundaries, the invariant the renderers rely on
//! to turn byte offsets into line and column. The bytes are decoded lossily, as the loader does
//! for its SC1006 diagnostic. Each input is read as a detection (loader, model, rule checks and
//! KQL analysis against a small table schema), as a function and as an environment file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sentinelctl::diag::{Diagnostic, SourceDb};
use sentinelctl::load::file::parse_yaml_file;
use sentinelctl::load::{Repository, RuleFile, TableSchema, yaml};
use sentinelctl::model::AnalyticsRule;
use sentinelctl::schema::{YamlEnvironment, YamlFunction};
use sentinelctl::validate::{ValidateOptions, validate};

fn assert_in_text(text: &str, range: &std::ops::Range<usize>, what: &str) {
    assert!(
        range.start <= range.end
            && range.end <= text.len()
            && text.is_char_boundary(range.start)
            && text.is_char_boundary(range.end),
        "{what} range {range:?} outside the {} bytes of text",
        text.len()
    );
}

fn assert_diagnostics_in_text(text: &str, diags: &[Diagnostic]) {
    for d in diags {
        if let Some(r) = &d.range {
            assert_in_text(text, r, d.code);
        }
        for l in &d.labels {
            assert_in_text(text, &l.range, d.code);
        }
    }
}

fn table() -> TableSchema {
    let columns = [
        "TimeGenerated:DateTime",
        "actor_uuid:String",
        "action_type:String",
        "details:Dynamic",
        "country:String",
    ];
    TableSchema {
        name: "OnePasswordEventLogs_CL".to_string(),
        columns: columns
            .iter()
            .map(|c| {
                let (n, t) = c.split_once(':').expect("name:type");
                (n.to_string(), t.to_string())
            })
            .collect(),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();

    let (_, problems) = yaml::parse(&text);
    for p in &problems {
        match p {
            yaml::YamlProblem::Syntax { offset, .. }
            | yaml::YamlProblem::MultipleDocuments { offset } => {
                assert_in_text(&text, &(*offset..*offset), "yaml problem");
            }
            yaml::YamlProblem::DuplicateKey { span, first, .. } => {
                assert_in_text(&text, span, "duplicate key");
                assert_in_text(&text, first, "first key");
            }
        }
    }

    // as a detection, then every offline check a repository of that one rule gets
    let mut repo = Repository::default();
    repo.tables.push(table());
    let mut diags = Vec::new();
    let loaded = Repository::parse_rule_text(
        &mut repo.sources,
        "detections/fuzz.yaml",
        text.clone(),
        &mut diags,
    );
    assert_diagnostics_in_text(&text, &diags);
    if let Some(loaded) = loaded {
        let rule = AnalyticsRule::from_yaml(&loaded.raw).ok();
        repo.rules.push(RuleFile { loaded, rule });
        let options = ValidateOptions {
            environments: Some(Vec::new()),
            no_kql: false,
        };
        let _ = validate(&mut repo, &options);
        assert_diagnostics_in_text(&text, &repo.diagnostics);
    }

    // as a function and as an environment file
    let mut sources = SourceDb::new();
    let file = sources.add("functions/fuzz.yaml", text.clone());
    let mut diags = Vec::new();
    let _ = parse_yaml_file::<YamlFunction>(&sources, file, &mut diags);
    let _ = parse_yaml_file::<YamlEnvironment>(&sources, file, &mut diags);
    assert_diagnostics_in_text(&text, &diags);
});
