//! Fleet files and folders of environments (issue 15): `environments/customers.fleet.yaml` lists
//! workspaces sharing defaults, each with its own overrides; `environments/customers/*.yaml` adds
//! more; `--env 'customers/*'` and `--env customers` select them; one sign-in serves them all; a
//! broken entry fails only its workspace, at its line.

use arm_emulator::{Config, Delegation, SeedTable, TenantBinding};
use serde_json::Value;

use crate::support::{EmulatorGuard, TempRepo, custom_tables, git, text};

const MSSP: &str = "11111111-aaaa-4aaa-8aaa-000000000001";
const T2: &str = "22222222-aaaa-4aaa-8aaa-000000000002";
const S1: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const S2: &str = "aaaaaaaa-0000-4000-8000-000000000002";
/// A detection of the shipped content, overridden per workspace below.
const RULE: &str = "bdc96122-ecaf-4ff3-8177-5255f61ee8c1";

/// (name, subscription) of every workspace.
const WORKSPACES: [(&str, &str); 4] = [
    ("contoso", S1),
    ("fabrikam", S2),
    ("tailspin", S2),
    ("northwind", S1),
];

fn ws(sub: &str, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourceGroups/rg-customers/providers/Microsoft.OperationalInsights/workspaces/law-{name}"
    )
}

fn config() -> Config {
    let workspaces: Vec<String> = WORKSPACES.iter().map(|(n, s)| ws(s, n)).collect();
    Config {
        seed_tables: workspaces
            .iter()
            .flat_map(|w| {
                custom_tables()
                    .into_iter()
                    .map(|(name, columns)| SeedTable {
                        workspace_id: w.clone(),
                        name,
                        columns,
                    })
            })
            .collect(),
        workspaces,
        tenants: [(S1, MSSP), (S2, T2)]
            .into_iter()
            .map(|(subscription, tenant)| TenantBinding {
                subscription: subscription.into(),
                tenant: tenant.into(),
            })
            .collect(),
        delegations: vec![Delegation {
            subscription: S2.into(),
            managing_tenant: MSSP.into(),
        }],
        throttle: false,
        ..Config::default()
    }
}

/// The fleet file: shared login and a shared override in `defaults`; each workspace its own
/// subscription and name, fabrikam one more override.
fn fleet_file(tailspin_workspace: &str) -> String {
    format!(
        "# customers managed through Lighthouse\n\
description: managed customers\n\
defaults:\n\
\x20 tenantId: {MSSP}\n\
\x20 resourceGroup: rg-customers\n\
\x20 location: westeurope\n\
\x20 cloud: custom\n\
\x20 endpoints: {{ resourceManager: embedded, authorityHost: embedded }}\n\
\x20 auth:\n\
\x20   method: client-secret\n\
\x20   clientId: 00000000-0000-0000-0000-0000000000c1\n\
\x20   clientSecretEnv: SENTINELCTL_LOCAL_SECRET\n\
\x20 repository: sentinel-content\n\
\x20 overrides:\n\
\x20   detections:\n\
\x20     {RULE}: {{ severity: Low }}\n\
workspaces:\n\
\x20 contoso:\n\
\x20   subscriptionId: {S1}\n\
\x20   workspace: law-contoso\n\
\x20 fabrikam:\n\
\x20   subscriptionId: {S2}\n\
\x20   workspace: law-fabrikam\n\
\x20   overrides:\n\
\x20     detections:\n\
\x20       {RULE}: {{ enabled: false }}\n\
\x20 tailspin:\n\
\x20   subscriptionId: {S2}\n\
\x20   workspace: {tailspin_workspace}\n"
    )
}

/// A repository with the fleet file and `environments/customers/northwind.yaml`.
fn repo() -> TempRepo {
    let repo = TempRepo::shipped();
    repo.write(
        "environments/customers.fleet.yaml",
        fleet_file("law-tailspin"),
    );
    let northwind = repo
        .read("environments/local.yaml")
        .replace("00000000-0000-0000-0000-000000000001", MSSP)
        .replace("00000000-0000-0000-0000-00000000000a", S1)
        .replace("rg-sentinel-local", "rg-customers")
        .replace("law-sentinel-local", "law-northwind");
    repo.write("environments/customers/northwind.yaml", northwind);
    repo
}

fn run(repo: &TempRepo, emulator: &EmulatorGuard, args: &[&str]) -> std::process::Output {
    repo.run_on(emulator, args)
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)))
}

fn environments(report: &Value) -> Vec<String> {
    report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["environment"].as_str().unwrap().to_string())
        .collect()
}

/// The deployed rule `RULE` of workspace `name`.
fn deployed_rule(emulator: &EmulatorGuard, sub: &str, name: &str) -> Value {
    let state = emulator.snapshot();
    let id = ws(sub, name).to_ascii_lowercase();
    let workspace = state["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| {
            w["id"]
                .as_str()
                .is_some_and(|i| i.to_ascii_lowercase() == id)
        })
        .unwrap_or_else(|| panic!("no workspace {id} in the emulator"));
    workspace["alertRules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == RULE)
        .cloned()
        .unwrap_or_else(|| panic!("{RULE} not deployed to {name}"))
}

fn token_requests(emulator: &EmulatorGuard) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| {
            r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.contains("/oauth2/"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_file_and_a_folder_deploy_with_merged_overrides_and_one_sign_in() {
    let repo = repo();
    // promote pins commits: the content is committed
    repo.write(".gitignore", ".sentinelctl/\n");
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "fleet"]);
    let emulator = EmulatorGuard::start(config()).await;

    let validate = repo.run(&["validate"]);
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate));

    // `customers/*` is the fleet file's three workspaces and the folder's one
    let before = token_requests(&emulator);
    let plan = run(
        &repo,
        &emulator,
        &["plan", "--env", "customers/*", "--format", "json"],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let report = json(&plan);
    assert_eq!(
        environments(&report),
        [
            "customers/contoso",
            "customers/fabrikam",
            "customers/northwind",
            "customers/tailspin"
        ]
    );
    for e in report["environments"].as_array().unwrap() {
        assert_eq!(e["result"], "changes", "{e:#}");
    }
    // four workspaces in two tenants behind one login of the managing tenant: one token
    assert_eq!(
        token_requests(&emulator) - before,
        1,
        "one sign-in for the fleet"
    );

    // the fleet's name alone is its workspaces
    let plan = run(
        &repo,
        &emulator,
        &["plan", "--env", "customers", "--format", "json"],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert_eq!(
        environments(&json(&plan)),
        [
            "customers/contoso",
            "customers/fabrikam",
            "customers/tailspin"
        ]
    );
    let apply = run(
        &repo,
        &emulator,
        &[
            "apply",
            "--env",
            "customers/*",
            "--auto-approve",
            "--format",
            "json",
        ],
    );
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert_eq!(environments(&json(&apply)).len(), 4);
    // defaults' override everywhere, fabrikam's own on top of it
    let contoso = deployed_rule(&emulator, S1, "contoso");
    assert_eq!(contoso["properties"]["severity"], "Low", "{contoso:#}");
    assert_eq!(contoso["properties"]["enabled"], true, "{contoso:#}");
    let fabrikam = deployed_rule(&emulator, S2, "fabrikam");
    assert_eq!(fabrikam["properties"]["severity"], "Low", "{fabrikam:#}");
    assert_eq!(fabrikam["properties"]["enabled"], false, "{fabrikam:#}");

    // one member by name; a member the file does not have is named with the file
    let one = run(
        &repo,
        &emulator,
        &["plan", "--env", "customers/fabrikam", "--detailed-exitcode"],
    );
    assert_eq!(one.status.code(), Some(0), "{}", text(&one));
    let missing = run(&repo, &emulator, &["plan", "--env", "customers/nobody"]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert!(
        text(&missing).contains("`environments/customers.fleet.yaml` has no workspace `nobody`"),
        "{}",
        text(&missing)
    );
    let drift = run(
        &repo,
        &emulator,
        &["drift", "--env", "customers", "--format", "json"],
    );
    assert_eq!(drift.status.code(), Some(0), "{}", text(&drift));

    // promote what is live in northwind to the whole fleet: one lock file per workspace, then
    // the fleet's plan (nothing to change: the pins are what is deployed)
    let promote = run(
        &repo,
        &emulator,
        &[
            "promote",
            "--from",
            "customers/northwind",
            "--to",
            "customers",
            "--all",
        ],
    );
    assert_eq!(promote.status.code(), Some(0), "{}", text(&promote));
    for member in ["contoso", "fabrikam", "tailspin"] {
        let lock = format!("environments/customers/{member}.lock.yaml");
        assert!(
            repo.join(&lock).is_file(),
            "{lock} missing: {}",
            text(&promote)
        );
        assert!(text(&promote).contains(&format!("wrote `{lock}` for `customers/{member}`")));
    }
    assert!(
        String::from_utf8_lossy(&promote.stdout)
            .contains("3 of 3 environments planned without error"),
        "{}",
        text(&promote)
    );
    let validate = repo.run(&["validate"]);
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate));
    let pinned = run(
        &repo,
        &emulator,
        &["plan", "--env", "customers", "--detailed-exitcode"],
    );
    assert_eq!(pinned.status.code(), Some(0), "{}", text(&pinned));
    // a target in the source's own fleet is refused before anything is written
    let same = run(
        &repo,
        &emulator,
        &[
            "promote",
            "--from",
            "customers/contoso",
            "--to",
            "customers",
            "--all",
        ],
    );
    assert_eq!(same.status.code(), Some(1), "{}", text(&same));
    assert!(
        text(&same).contains("name the same environment"),
        "{}",
        text(&same)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_fleet_entry_fails_only_its_workspace_at_its_line() {
    let repo = repo();
    // `workspace` must be text: tailspin's entry is wrong, the others are fine
    repo.write(
        "environments/customers.fleet.yaml",
        fleet_file("[law-tailspin]"),
    );
    let emulator = EmulatorGuard::start(config()).await;
    let line = fleet_file("[law-tailspin]")
        .lines()
        .position(|l| l.contains("[law-tailspin]"))
        .unwrap()
        + 1;

    let validate = repo.run(&["validate"]);
    assert_eq!(validate.status.code(), Some(1), "{}", text(&validate));
    let shown = text(&validate);
    assert!(
        shown.contains(&format!("environments/customers.fleet.yaml:{line}:")),
        "{shown}"
    );
    // reported once, not once per workspace
    assert_eq!(shown.matches("customers.fleet.yaml:").count(), 1, "{shown}");

    let plan = run(
        &repo,
        &emulator,
        &["plan", "--env", "customers", "--format", "json"],
    );
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));
    for e in json(&plan)["environments"].as_array().unwrap() {
        if e["environment"] == "customers/tailspin" {
            assert_eq!(e["result"], "error", "{e:#}");
            assert!(
                e["error"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("environments/customers.fleet.yaml:{line}:")),
                "{e:#}"
            );
        } else {
            assert_eq!(e["result"], "changes", "{e:#}");
        }
    }

    // an entry that is fine alone can make a shared default wrong for it: `cloud: public` with
    // the defaults' custom endpoints. The problem is at the defaults' line, and only tailspin fails
    let public = fleet_file("law-tailspin\n    cloud: public");
    repo.write("environments/customers.fleet.yaml", &public);
    let endpoints = public
        .lines()
        .position(|l| l.contains("endpoints:"))
        .unwrap()
        + 1;
    let plan = run(
        &repo,
        &emulator,
        &["plan", "--env", "customers", "--format", "json"],
    );
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));
    for e in json(&plan)["environments"].as_array().unwrap() {
        if e["environment"] == "customers/tailspin" {
            let error = e["error"].as_str().unwrap();
            assert!(
                error.contains(&format!("environments/customers.fleet.yaml:{endpoints}:"))
                    && error.contains("cannot be set for cloud `public`"),
                "{e:#}"
            );
        } else {
            assert_eq!(e["result"], "changes", "{e:#}");
        }
    }

    // the test cases in every workspace of the fleet: the two good ones pass, the broken one is
    // its error; one report
    let tested = run(
        &repo,
        &emulator,
        &["test", "--env", "customers", "--format", "json"],
    );
    assert_eq!(tested.status.code(), Some(1), "{}", text(&tested));
    let report = json(&tested);
    assert_eq!(report["command"], "test");
    assert!(
        report["local"]["passed"].as_u64().unwrap() > 0,
        "{report:#}"
    );
    assert_eq!(report["local"]["failed"], 0, "{report:#}");
    for e in report["environments"].as_array().unwrap() {
        if e["environment"] == "customers/tailspin" {
            assert_eq!(e["result"], "error", "{e:#}");
        } else {
            assert_eq!(e["result"], "passed", "{e:#}");
            assert_eq!(e["summary"]["passed"], report["local"]["passed"], "{e:#}");
            assert_eq!(e["summary"]["disagreements"], 0, "{e:#}");
        }
    }
    let junit = run(
        &repo,
        &emulator,
        &["test", "--env", "customers/*", "--format", "junit"],
    );
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert!(
        xml.contains("<testsuite name=\"customers/contoso: "),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<testsuite name=\"customers/tailspin\" tests=\"1\" failures=\"0\" errors=\"1\">"
        ),
        "{xml}"
    );
}

#[test]
fn the_example_fleet_file_validates_and_names_its_workspaces() {
    let repo = TempRepo::shipped();
    repo.write(
        "environments/customers.fleet.yaml",
        std::fs::read_to_string(crate::support::root().join("examples/fleet/customers.fleet.yaml"))
            .unwrap(),
    );
    let out = repo.run(&["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // no credentials here: each workspace fails alone at sign-in, and every one is listed
    let plan = crate::support::sentinelctl()
        .arg("--root")
        .arg(repo.path())
        .args(["plan", "--env", "customers", "--format", "json"])
        .env_remove("AZURE_FEDERATED_TOKEN_FILE")
        .env_remove("AZURE_CLIENT_ID")
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));
    assert_eq!(
        environments(&json(&plan)),
        [
            "customers/contoso",
            "customers/fabrikam",
            "customers/tailspin-gov"
        ]
    );
}
