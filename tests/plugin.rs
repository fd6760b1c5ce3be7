//! `sentinelctl plugin` (issue 7): the Security Copilot manifest for the shipped content.
//!
//! - golden file `tests/golden/plugin-dev.yaml` (`UPDATE_GOLDEN=1 cargo test --test integration
//!   plugin::` rewrites it);
//! - every generated template, with sample values, passes `sentinel_kql::analyze` and returns the
//!   saved function's columns;
//! - hostile input values cannot change a template's syntax tree;
//! - errors: missing environment, no skills, limits, bad inputs; the CLI's `--out`.

use std::path::Path;

use sentinel_kql::Catalog;
use sentinelctl::load::Repository;
use sentinelctl::load::yaml::{self, Node, Value};
use sentinelctl::model::Environment;
use sentinelctl::plugin::{self, PluginError, sample_value, template};

use crate::support::{TempRepo, assert_golden, root, run};

fn load(root: &Path, env: &str) -> (Repository, Environment) {
    let mut repo = Repository::load(root).unwrap();
    let (_, env) = repo.environment(env).expect("environment loads");
    (repo, env)
}

fn scalar(node: &Node, key: &str) -> Option<String> {
    match &node.get(key)?.value {
        Value::Scalar(s, _) => Some(s.clone()),
        _ => None,
    }
}

fn items(node: Option<&Node>) -> Vec<&Node> {
    let Some(node) = node else { return Vec::new() };
    (0..).map_while(|i| node.index(i)).collect()
}

/// One skill as read back from the generated YAML.
struct Skill {
    name: String,
    template: String,
    /// (input name, parameter type, default value)
    inputs: Vec<(String, String, Option<String>)>,
    alias: String,
}

/// Generates the manifest for `dev`, parses it back, and pairs each skill with its function.
fn skills() -> (Repository, Catalog, Vec<Skill>) {
    let (repo, env) = load(root(), "dev");
    let text = plugin::manifest(&repo, &env).unwrap();
    let (doc, problems) = yaml::parse(&text);
    assert!(problems.is_empty(), "{problems:?}");
    let doc = doc.unwrap();
    let group = doc.path(&["SkillGroups", "0"]).unwrap();
    assert_eq!(scalar(group, "Format").as_deref(), Some("KQL"));
    let mut out = Vec::new();
    for s in items(group.get("Skills")) {
        let name = scalar(s, "Name").unwrap();
        let function = repo
            .functions
            .iter()
            .find(|f| f.loaded.raw.skill.as_ref().is_some_and(|k| k.name == name))
            .unwrap();
        let inputs = items(s.get("Inputs"))
            .into_iter()
            .map(|i| {
                let n = scalar(i, "Name").unwrap();
                let p = function
                    .function
                    .params
                    .iter()
                    .find(|p| p.name == n)
                    .unwrap();
                (n, p.ty.clone(), scalar(i, "DefaultValue"))
            })
            .collect();
        let settings = s.get("Settings").unwrap();
        assert_eq!(scalar(settings, "Target").as_deref(), Some("Sentinel"));
        assert_eq!(
            scalar(settings, "WorkspaceName").as_deref(),
            Some(env.workspace.as_str())
        );
        out.push(Skill {
            name,
            template: scalar(settings, "Template").unwrap(),
            inputs,
            alias: function.function.function_alias.clone(),
        });
    }
    let catalog = sentinelctl::validate::kql::catalog(&repo);
    (repo, catalog, out)
}

fn benign(skill: &Skill) -> Vec<(String, String)> {
    skill
        .inputs
        .iter()
        .map(|(n, ty, d)| (n.clone(), sample_value(ty, d.as_deref())))
        .collect()
}

fn fill(skill: &Skill, values: &[(String, String)]) -> String {
    let v: Vec<(&str, &str)> = values
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    template::substitute(&skill.template, &v)
}

/// The syntax tree without byte ranges (literal contents are not in the tree, only their kinds).
fn shape(query: &str) -> (String, usize) {
    let parsed = sentinel_kql::parser::parse(query);
    let text = format!("{:?}", parsed.query);
    let re = regex_lite_ranges(&text);
    (re, parsed.errors.len())
}

fn regex_lite_ranges(debug: &str) -> String {
    // `12..34` → `_`, without a regex dependency in tests.
    let mut out = String::new();
    let b = debug.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if debug[i..].starts_with("..") && b.get(i + 2).is_some_and(u8::is_ascii_digit) {
                i += 2;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                out.push('_');
            } else {
                out.push_str(&debug[start..i]);
            }
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

#[test]
fn golden_manifest_for_dev() {
    let (repo, env) = load(root(), "dev");
    let text = plugin::manifest(&repo, &env).unwrap();
    assert_golden("tests/golden/plugin-dev.yaml", &text);
}

#[test]
fn every_function_with_a_skill_becomes_one_skill() {
    let (repo, _, skills) = skills();
    let expected = repo
        .functions
        .iter()
        .filter(|f| f.loaded.raw.skill.is_some())
        .count();
    assert_eq!(skills.len(), expected);
    assert!(skills.len() >= 12, "{}", skills.len());
    for s in &skills {
        let names: Vec<&str> = s.inputs.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(template::placeholders(&s.template), names, "{}", s.name);
        assert!(s.template.chars().count() <= plugin::LIMITS.template);
    }
}

#[test]
fn every_template_analyses_and_returns_the_function_columns() {
    let (_, catalog, skills) = skills();
    for s in &skills {
        let query = fill(s, &benign(s));
        let analysis = sentinel_kql::analyze(&query, &catalog);
        assert!(
            !analysis.has_errors(),
            "{}:\n{query}\n{:?}",
            s.name,
            analysis.diagnostics
        );
        assert_eq!(
            analysis.functions,
            std::slice::from_ref(&s.alias),
            "{}",
            s.name
        );
        let direct = sentinel_kql::analyze(&format!("{}()", s.alias), &catalog);
        let names = |a: &sentinel_kql::Analysis| {
            a.output_columns
                .as_ref()
                .map(|c| c.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
        };
        assert!(
            names(&analysis).is_some(),
            "{}: output columns unknown",
            s.name
        );
        assert_eq!(names(&analysis), names(&direct), "{}", s.name);
    }
}

const HOSTILE: &[&str] = &[
    "'",
    "\"",
    "|",
    "\n",
    ";",
    "`",
    "``",
    "\\",
    "a'b\"c|d;e`f",
    "x' | union SigninLogs | where '1' == '1",
    "x\") | take 1 //",
    "1d) | project-away *; print 'owned'; let z = (1d",
    "alice@contoso.com\n| where true\n| take 1",
    "``; print 1; let x = ``",
    "@'",
    "// comment",
    "/* not a comment in KQL */",
    "{{user}}",
    "~~~ print 1 ~~~",
    "h'obfuscated'",
    "\r\n\t",
    "`a",
    "a`",
    "a``",
    "``a``",
    "\u{2028}é✓",
];

#[test]
fn hostile_inputs_cannot_change_the_query_structure() {
    let (_, catalog, skills) = skills();
    for s in &skills {
        let base = benign(s);
        let (expected, errors) = shape(&fill(s, &base));
        assert_eq!(errors, 0, "{}", s.name);
        for (i, (input, _, _)) in s.inputs.iter().enumerate() {
            for value in HOSTILE {
                let mut values = base.clone();
                values[i].1 = (*value).to_string();
                let query = fill(s, &values);
                let (got, errors) = shape(&query);
                assert_eq!(errors, 0, "{}.{input} = {value:?}:\n{query}", s.name);
                assert_eq!(got, expected, "{}.{input} = {value:?}:\n{query}", s.name);
                let analysis = sentinel_kql::analyze(&query, &catalog);
                assert!(
                    !analysis.has_errors(),
                    "{}.{input} = {value:?}: {:?}",
                    s.name,
                    analysis.diagnostics
                );
            }
        }
    }
}

/// Pseudo-random values over the characters that matter, without the one terminator.
#[test]
fn random_values_without_the_fence_keep_the_structure() {
    const ALPHABET: &[char] = &[
        '\'', '"', '`', '|', ';', '\n', '\\', '/', '*', '@', '{', '}', '(', ')', '~', ' ', 'a',
        '1', '=', ',', 'h', '#', '\t',
    ];
    let (_, _, skills) = skills();
    let s = skills.iter().find(|s| s.name == "AnalyzeEvents").unwrap();
    let base = benign(s);
    let (expected, _) = shape(&fill(s, &base));
    let mut seed: u64 = 0x5eed;
    for _ in 0..2000 {
        let mut value = String::new();
        for _ in 0..(seed % 24) {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            value.push(ALPHABET[usize::try_from(seed >> 33).unwrap() % ALPHABET.len()]);
        }
        if value.contains("```") {
            continue;
        }
        for i in 0..base.len() {
            let mut values = base.clone();
            values[i].1.clone_from(&value);
            assert_eq!(shape(&fill(s, &values)), (expected.clone(), 0), "{value:?}");
        }
    }
}

/// The documented limit: three backticks end the literal. Kept as a test so that a change of
/// approach updates `docs/copilot-plugin.md` too.
#[test]
fn known_limit_three_backticks_end_the_literal() {
    let (_, _, skills) = skills();
    let s = skills.iter().find(|s| s.name == "FailedSignIns").unwrap();
    let base = benign(s);
    let (expected, _) = shape(&fill(s, &base));
    let mut values = base;
    values[1].1 = "x```); print 1; let y = (```".into();
    assert_ne!(shape(&fill(s, &values)).0, expected);
}

// ---- errors -------------------------------------------------------------------------------

const ENV: &str = "tenantId: 11111111-1111-1111-1111-111111111111\n\
subscriptionId: 22222222-2222-2222-2222-222222222222\n\
resourceGroup: rg\nworkspace: ws\n";

fn function_file(alias: &str, skill: &str) -> String {
    format!(
        "FunctionName: {alias}\nFunctionAlias: {alias}\nFunctionParams:\n  - Name: lookback\n    Type: timespan\n    Default: 1d\n\
         FunctionQuery: |\n  print x = ago(lookback)\n{skill}"
    )
}

fn temp_repo(functions: &[(&str, String)]) -> TempRepo {
    let dir = TempRepo::empty();
    dir.write("environments/t.yaml", ENV);
    for (name, text) in functions {
        dir.write(&format!("functions/{name}"), text);
    }
    dir
}

fn skill_block(name: &str, description: &str, input: &str) -> String {
    format!(
        "skill:\n  name: {name}\n  description: {description}\n  inputs:\n    - name: {input}\n      description: d\n"
    )
}

#[test]
fn no_skills_is_an_error() {
    let dir = temp_repo(&[("F.yaml", function_file("F", ""))]);
    let (repo, env) = load(dir.path(), "t");
    let err = plugin::manifest(&repo, &env).unwrap_err();
    assert_eq!(err, PluginError::NoSkills);
    assert!(
        err.to_string()
            .contains("no function in `functions/` has a `skill:` block")
    );
}

#[test]
fn problems_are_all_listed() {
    let long = "x".repeat(16_001);
    let dir = temp_repo(&[
        (
            "A.yaml",
            function_file("A", &skill_block("Dup", "ok", "lookback")),
        ),
        (
            "B.yaml",
            function_file("B", &skill_block("dup", &long, "lookback")),
        ),
        (
            "C.yaml",
            function_file("C", &skill_block("C", "ok", "nosuch")),
        ),
    ]);
    let (repo, env) = load(dir.path(), "t");
    let PluginError::Invalid(problems) = plugin::manifest(&repo, &env).unwrap_err() else {
        panic!("expected problems");
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let all = text.join("\n");
    assert!(
        all.contains(
            "functions/B.yaml: skill `dup` Description has 16001 characters, more than the 16000"
        ),
        "{all}"
    );
    assert!(
        all.contains("skill name `dup` is used by `functions/A.yaml` and `functions/B.yaml`"),
        "{all}"
    );
    assert!(
        all.contains("functions/C.yaml: skill `C` input `nosuch` has no parameter of that name"),
        "{all}"
    );
    assert_eq!(problems.len(), 3, "{all}");
}

#[test]
fn long_environment_name_exceeds_the_display_name_limit() {
    let dir = temp_repo(&[(
        "A.yaml",
        function_file("A", &skill_block("A", "ok", "lookback")),
    )]);
    let env_name = "a-very-long-environment-name-for-testing";
    dir.write(&format!("environments/{env_name}.yaml"), ENV);
    let (repo, env) = load(dir.path(), env_name);
    let err = plugin::manifest(&repo, &env).unwrap_err().to_string();
    assert!(
        err.contains("plugin DisplayName has 64 characters, more than the 40"),
        "{err}"
    );
}

#[test]
fn a_parameter_without_default_must_be_an_input() {
    let text = "FunctionName: G\nFunctionAlias: G\nFunctionParams:\n  - Name: a\n    Type: string\n  - Name: b\n    Type: string\n\
                FunctionQuery: |\n  print x = strcat(a, b)\n"
        .to_string()
        + &skill_block("G", "ok", "b");
    let dir = temp_repo(&[("G.yaml", text)]);
    let (repo, env) = load(dir.path(), "t");
    let err = plugin::manifest(&repo, &env).unwrap_err().to_string();
    assert!(
        err.contains("parameter `a` of `G` has no default and is not an input of skill `G`"),
        "{err}"
    );
}

// ---- CLI ----------------------------------------------------------------------------------

#[test]
fn cli_writes_the_manifest_to_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plugin.yaml");
    let run = run(
        root(),
        &["plugin", "--env", "dev", "--out", out.to_str().unwrap()],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.stdout.is_empty());
    let golden = std::fs::read_to_string(root().join("tests/golden/plugin-dev.yaml")).unwrap();
    assert_eq!(std::fs::read_to_string(out).unwrap(), golden);
}

#[test]
fn cli_names_a_missing_environment() {
    let run = run(root(), &["plugin", "--env", "nope"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("no environment `nope`: `environments/nope.yaml` does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("dev"), "{stderr}");
}

#[test]
fn settings_mode_declares_the_four_values_and_every_skill_uses_them() {
    let out = run(root(), &["plugin", "--settings"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_golden("tests/golden/plugin-settings.yaml", &text);
    let (doc, problems) = yaml::parse(&text);
    assert!(problems.is_empty(), "{problems:?}");
    let doc = doc.unwrap();
    let declared: Vec<String> = items(doc.get("Descriptor").and_then(|d| d.get("Settings")))
        .iter()
        .filter_map(|s| scalar(s, "Name"))
        .collect();
    assert_eq!(
        declared,
        [
            "TenantId",
            "SubscriptionId",
            "ResourceGroupName",
            "WorkspaceName"
        ]
    );
    let groups = items(doc.get("SkillGroups"));
    let skills = items(groups[0].get("Skills"));
    assert!(!skills.is_empty());
    for s in skills {
        let settings = s.get("Settings").unwrap();
        for name in &declared {
            assert_eq!(
                scalar(settings, name).as_deref(),
                Some(format!("{{{{{name}}}}}").as_str())
            );
        }
    }
    assert!(
        !text.contains("law-sentinel-dev"),
        "no environment value leaks into it"
    );
}
