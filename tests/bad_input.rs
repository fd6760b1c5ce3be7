//! Bad input: every broken file a user can write gets exactly the expected, located diagnostics
//! from the real binary, never a panic.
//!
//! Each case under `tests/fixtures/broken/<case>/` is a tiny repository root with one thing
//! wrong (the `schemas/Events_CL.json` beside it only gives the KQL check a table). The table
//! [`CASES`] lists, for each case, every diagnostic `validate --format json` must print: code,
//! severity, file, 1-based line and column (in characters), a message substring and a help
//! substring. Cases too large to commit (a file over 4 MiB) are generated into a temp dir.
//!
//! The last test is the fuzz target's property (`fuzz/fuzz_targets/load_rule.rs`) run
//! deterministically: a few thousand byte-mutated content files through the loader, checking
//! that nothing panics and every diagnostic range lies inside the text on char boundaries.

use std::path::{Path, PathBuf};
use std::process::Output;

use sentinelctl::diag::{Diagnostic, SourceDb};
use sentinelctl::load::{Repository, yaml};
use serde_json::Value;

/// One expected diagnostic.
struct Expect {
    code: &'static str,
    /// `e` error, `w` warning.
    severity: char,
    file: &'static str,
    line: u64,
    col: u64,
    message: &'static str,
    /// Substring of the help text; `None` when the diagnostic has no help.
    help: Option<&'static str>,
}

const fn e(
    code: &'static str,
    file: &'static str,
    line: u64,
    col: u64,
    message: &'static str,
    help: Option<&'static str>,
) -> Expect {
    Expect {
        code,
        severity: 'e',
        file,
        line,
        col,
        message,
        help,
    }
}

const fn w(
    code: &'static str,
    file: &'static str,
    line: u64,
    col: u64,
    message: &'static str,
    help: Option<&'static str>,
) -> Expect {
    Expect {
        severity: 'w',
        ..e(code, file, line, col, message, help)
    }
}

const RULE: &str = "detections/rule.yaml";

/// case → every diagnostic `validate --format json` reports, in output order.
const CASES: &[(&str, &[Expect])] = &[
    // --- reading and parsing ---
    // `tactics: [CredentialAccess` is never closed; the parser notices on the next key's colon
    (
        "bad-yaml",
        &[e("SC1001", RULE, 11, 19, "invalid YAML", None)],
    ),
    (
        "tab-indent",
        &[e("SC1001", RULE, 11, 1, "tabs disallowed", None)],
    ),
    (
        "two-documents",
        &[e(
            "SC1001",
            RULE,
            18,
            1,
            "more than one YAML document",
            Some("one document per file"),
        )],
    ),
    (
        "duplicate-key",
        &[e(
            "SC1002",
            RULE,
            18,
            1,
            "duplicate key `severity`",
            Some("remove one"),
        )],
    ),
    (
        "unknown-key",
        &[e(
            "SC1003",
            RULE,
            6,
            1,
            "unknown key `queryFrequncy`",
            Some("did you mean `queryFrequency`?"),
        )],
    ),
    (
        "unknown-nested-key",
        &[e(
            "SC1003",
            RULE,
            20,
            3,
            "unknown key `groupingConfiguraton`",
            Some("did you mean `groupingConfiguration`?"),
        )],
    ),
    // the BOM is invisible in editors: `idd` is at column 1, not 2
    (
        "bom",
        &[e(
            "SC1003",
            RULE,
            1,
            1,
            "unknown key `idd`",
            Some("did you mean `id`?"),
        )],
    ),
    (
        "wrong-type",
        &[e("SC1004", RULE, 9, 19, "expected an integer", None)],
    ),
    (
        "bad-duration",
        &[e(
            "SC1004",
            RULE,
            6,
            17,
            "`1 hour` is not a duration",
            Some("`5m`, `1h`, `1d`"),
        )],
    ),
    (
        "top-level-list",
        &[e("SC1004", RULE, 1, 1, "expected a mapping", None)],
    ),
    (
        "missing-query",
        &[e(
            "SC1005",
            RULE,
            1,
            1,
            "missing required key `query`",
            None,
        )],
    ),
    // Latin-1 `é` in `name: Café`: the first invalid byte is line 2, column 10
    (
        "not-utf8",
        &[e(
            "SC1006",
            RULE,
            2,
            10,
            "not UTF-8",
            Some("re-save the file as UTF-8"),
        )],
    ),
    (
        "empty-file",
        &[e(
            "SC1007",
            RULE,
            1,
            1,
            "the file is empty",
            Some("delete the file"),
        )],
    ),
    (
        "comment-only",
        &[e(
            "SC1007",
            RULE,
            1,
            1,
            "the file is empty",
            Some("delete the file"),
        )],
    ),
    // a portal export saved as .json among the rules: located at its `resources` key
    (
        "arm-template",
        &[e(
            "SC1009",
            "detections/Exported rule.json",
            9,
            3,
            "this is an ARM template",
            Some("sentinelctl import"),
        )],
    ),
    // --- detections ---
    (
        "bad-guid",
        &[e(
            "SC3001",
            RULE,
            1,
            5,
            "`not-a-guid` is not a GUID",
            Some("uuidgen"),
        )],
    ),
    (
        "duplicate-id",
        &[e(
            "SC3002",
            "detections/b.yaml",
            1,
            5,
            "is also used by another file",
            Some("new id"),
        )],
    ),
    (
        "unknown-kind",
        &[e(
            "SC3003",
            RULE,
            5,
            7,
            "unknown rule kind `Fusion`",
            Some("`Scheduled` or `NRT`"),
        )],
    ),
    (
        "query-too-long",
        &[e(
            "SC3004",
            RULE,
            15,
            3,
            "the query has 10001 characters",
            Some("function"),
        )],
    ),
    (
        "severity-not-allowed",
        &[e(
            "SC3004",
            RULE,
            4,
            11,
            "`Critical` is not a severity",
            Some("Informational, Low, Medium or High"),
        )],
    ),
    (
        "period-below-frequency",
        &[e(
            "SC3005",
            RULE,
            7,
            14,
            "queryPeriod 30m is shorter than queryFrequency 1h",
            Some("at least one frequency interval"),
        )],
    ),
    (
        "nrt-with-frequency",
        &[e(
            "SC3005",
            RULE,
            6,
            17,
            "NRT rules do not take `queryFrequency`",
            Some("remove the key"),
        )],
    ),
    (
        "misspelt-tactic",
        &[
            e(
                "SC3006",
                RULE,
                11,
                5,
                "`Credential Access` is not a MITRE ATT&CK tactic",
                Some("did you mean `CredentialAccess`?"),
            ),
            e(
                "SC3008",
                RULE,
                13,
                5,
                "technique `T1110` belongs to CredentialAccess",
                Some("add `CredentialAccess` to `tactics`"),
            ),
        ],
    ),
    (
        "technique-without-tactic",
        &[e(
            "SC3008",
            RULE,
            13,
            5,
            "technique `T1110` belongs to CredentialAccess",
            Some("add `CredentialAccess` to `tactics`"),
        )],
    ),
    (
        "entity-identifier",
        &[
            w(
                "SC3009",
                RULE,
                19,
                5,
                "do not identify a `Account` on their own",
                Some("strong identifier"),
            ),
            e(
                "SC3009",
                RULE,
                21,
                21,
                "`Address` is not an identifier of `Account`",
                Some("FullName"),
            ),
        ],
    ),
    (
        "custom-detail-column",
        &[e(
            "SC3012",
            RULE,
            19,
            11,
            "column `Action` is not in the query's output",
            Some("did you mean `Actor`?"),
        )],
    ),
    // a tab inside the query counts as one column
    (
        "tab-in-query",
        &[e(
            "SC2003",
            RULE,
            16,
            11,
            "unknown column `Actr`",
            Some("did you mean `Actor`?"),
        )],
    ),
    // --- functions, workbooks, environments ---
    (
        "function-alias-digit",
        &[e(
            "SC4001",
            "functions/1Password.yaml",
            8,
            16,
            "`1Password` is not a valid KQL identifier",
            Some("not starting with a digit"),
        )],
    ),
    (
        "function-duplicate-id",
        &[e(
            "SC3002",
            "functions/B.yaml",
            1,
            5,
            "function id",
            Some("new id"),
        )],
    ),
    (
        "workbook-without-json",
        &[e(
            "SC4004",
            "workbooks/overview.yaml",
            1,
            1,
            "the workbook JSON `workbooks/overview.json` is missing",
            Some("advanced editor"),
        )],
    ),
    (
        "env-unknown-auth",
        &[e(
            "SC5001",
            "environments/dev.yaml",
            8,
            11,
            "unknown auth method `password`",
            Some("workload-identity"),
        )],
    ),
    (
        "override-missing-rule",
        &[e(
            "SC5002",
            "environments/dev.yaml",
            11,
            5,
            "override for `Broken fixtur`",
            Some("did you mean `Broken fixture`?"),
        )],
    ),
];

fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken")
}

fn validate_json(root: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sentinelctl"))
        .args(["validate", "--root"])
        .arg(root)
        .args(["--format", "json", "--color", "never"])
        .output()
        .expect("run sentinelctl")
}

/// Runs `validate` on a root and checks exit code, no panic, and the exact diagnostics.
fn check_case(name: &str, root: &Path, expected: &[Expect]) -> Result<(), String> {
    let out = validate_json(root);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if stderr.contains("panicked") {
        return Err(format!("{name}: panicked:\n{stderr}"));
    }
    if out.status.code() != Some(1) {
        return Err(format!(
            "{name}: exit {:?}, expected 1\n{stdout}",
            out.status.code()
        ));
    }
    let doc: Value = serde_json::from_str(&stdout)
        .map_err(|e| format!("{name}: stdout is not JSON ({e}):\n{stdout}"))?;
    let got = doc["diagnostics"].as_array().cloned().unwrap_or_default();
    if got.len() != expected.len() {
        return Err(format!(
            "{name}: {} diagnostics, expected {}:\n{stdout}",
            got.len(),
            expected.len()
        ));
    }
    for (g, x) in got.iter().zip(expected) {
        let severity = if x.severity == 'e' {
            "error"
        } else {
            "warning"
        };
        let help = g["help"].as_str();
        let ok = g["code"] == x.code
            && g["severity"] == severity
            && g["file"] == x.file
            && g["line"] == x.line
            && g["column"] == x.col
            && g["message"].as_str().is_some_and(|m| m.contains(x.message))
            && match x.help {
                None => help.is_none(),
                Some(h) => help.is_some_and(|got| got.contains(h)),
            };
        if !ok {
            return Err(format!(
                "{name}: expected {} {severity} {}:{}:{} `{}` help {:?}, got\n{g:#}",
                x.code, x.file, x.line, x.col, x.message, x.help
            ));
        }
    }
    Ok(())
}

#[test]
fn every_broken_case_gets_exactly_its_located_diagnostics() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|(name, expected)| check_case(name, &broken_dir().join(name), expected).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_table_and_the_fixture_folders_agree() {
    let mut on_disk: Vec<String> = std::fs::read_dir(broken_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|(n, _)| (*n).to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every fixture has a row, every row a fixture"
    );
}

#[test]
fn duplicate_id_points_back_at_the_first_file() {
    let out = validate_json(&broken_dir().join("duplicate-id"));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let label = &doc["diagnostics"][0]["labels"][0];
    assert_eq!(label["file"], "detections/a.yaml");
    assert_eq!(
        (label["line"].as_u64(), label["column"].as_u64()),
        (Some(1), Some(5))
    );
    assert_eq!(label["message"], "first used here");
}

#[test]
fn a_file_over_4_mib_is_refused_without_being_parsed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("detections")).unwrap();
    // valid YAML all the way (a comment), so only the size can be the problem
    let mut text = String::from("# ");
    text.push_str(&"x".repeat(4 << 20));
    text.push('\n');
    std::fs::write(dir.path().join("detections/huge.yaml"), text).unwrap();
    let expected = [e(
        "SC1008",
        "detections/huge.yaml",
        1,
        1,
        "more than the 4194304",
        Some("move data files out"),
    )];
    check_case("huge-file", dir.path(), &expected).unwrap();
}

#[test]
fn a_query_of_exactly_10000_characters_is_accepted() {
    let fixture = broken_dir().join("query-too-long");
    let dir = tempfile::tempdir().unwrap();
    for sub in ["detections", "schemas"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    std::fs::copy(
        fixture.join("schemas/Events_CL.json"),
        dir.path().join("schemas/Events_CL.json"),
    )
    .unwrap();
    let text = std::fs::read_to_string(fixture.join(RULE)).unwrap();
    // the fixture's query is one `x` too long
    let shorter = text.replacen("xx\"", "x\"", 1);
    assert_eq!(shorter.len() + 1, text.len());
    std::fs::write(dir.path().join(RULE), shorter).unwrap();
    let out = validate_json(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("SC3004"), "{stdout}");
}

// --- the fuzz target's property, deterministically ---

/// xorshift64*: a tiny PRNG with a fixed seed, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("fits")
    }
}

/// Bytes that make YAML interesting when flipped in.
const INTERESTING: &[u8] = b":-[]{}|>&*!#'\"\t\n\r ?,%@`\\\xef\xbb\xbf\xc3\xa9\xff\x00";

fn mutate(rng: &mut XorShift, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..=rng.below(8) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            1 if at < bytes.len() => bytes[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 => bytes.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 if at < bytes.len() => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {
                // duplicate a slice (repeats keys, nests blocks)
                let end = (at + rng.below(64)).min(bytes.len());
                let slice = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, slice);
            }
        }
    }
    bytes
}

fn check_ranges(text: &str, diags: &[Diagnostic], input: &[u8]) {
    for d in diags {
        let ranges = d.range.iter().chain(d.labels.iter().map(|l| &l.range));
        for r in ranges {
            assert!(
                r.start <= r.end
                    && r.end <= text.len()
                    && text.is_char_boundary(r.start)
                    && text.is_char_boundary(r.end),
                "{} range {r:?} outside {} bytes of text; input {:?}",
                d.code,
                text.len(),
                String::from_utf8_lossy(input)
            );
        }
    }
}

fn seed_files() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in ["detections", "functions", "environments", "workbooks"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            paths.push(e.path());
        }
    }
    for case in std::fs::read_dir(broken_dir()).unwrap().flatten() {
        for sub in ["detections", "functions", "environments"] {
            if let Ok(files) = std::fs::read_dir(case.path().join(sub)) {
                paths.extend(files.flatten().map(|f| f.path()));
            }
        }
    }
    paths.sort();
    paths
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| std::fs::read(p).unwrap())
        .filter(|b| b.len() < 64 * 1024)
        .collect()
}

#[test]
fn mutated_content_never_panics_and_ranges_stay_in_the_text() {
    let seeds = seed_files();
    assert!(seeds.len() > 30, "only {} seed files", seeds.len());
    let mut rng = XorShift(0x5EED_0F_5E17_1E1C);
    let iterations = 3000;
    for i in 0..iterations {
        let input = mutate(&mut rng, seeds[i % seeds.len()].clone());
        let text = String::from_utf8_lossy(&input).into_owned();
        let (_, problems) = yaml::parse(&text);
        for p in &problems {
            let ranges = match p {
                yaml::YamlProblem::Syntax { offset, .. }
                | yaml::YamlProblem::MultipleDocuments { offset } => vec![*offset..*offset],
                yaml::YamlProblem::DuplicateKey { span, first, .. } => {
                    vec![span.clone(), first.clone()]
                }
            };
            for r in ranges {
                assert!(
                    r.end <= text.len()
                        && text.is_char_boundary(r.start)
                        && text.is_char_boundary(r.end),
                    "yaml problem {p:?} outside the text"
                );
            }
        }
        let mut sources = SourceDb::new();
        let mut diags = Vec::new();
        let _ = Repository::parse_rule_text(&mut sources, "fuzz.yaml", text.clone(), &mut diags);
        check_ranges(&text, &diags, &input);
    }
}
