//! `plan`, `apply` and `drift` over a fleet (issue 15): ten workspaces in three subscriptions of
//! three tenants, reached with one credential of the managing tenant through Lighthouse-style
//! delegations; one workspace forbidden, one subscription throttled. Every other workspace
//! converges, the report names the failure, and a re-run finishes the rest.

use arm_emulator::{
    BucketLimits, Config, Delegation, SeedTable, SubscriptionThrottle, TenantBinding,
};
use serde_json::Value;

use crate::support::{EmulatorGuard, TempRepo, custom_tables, text};

/// The managing (MSSP) tenant: every environment signs in here.
const MSSP: &str = "11111111-aaaa-4aaa-8aaa-000000000001";
const T2: &str = "22222222-aaaa-4aaa-8aaa-000000000002";
const T3: &str = "33333333-aaaa-4aaa-8aaa-000000000003";
/// S1 is the MSSP's own subscription; S2 and S3 belong to customer tenants and are delegated.
const S1: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const S2: &str = "aaaaaaaa-0000-4000-8000-000000000002";
const S3: &str = "aaaaaaaa-0000-4000-8000-000000000003";

/// (environment, subscription): 4 + 3 + 3 workspaces.
fn fleet() -> Vec<(String, &'static str)> {
    (1..=10)
        .map(|i| {
            let sub = match i {
                1..=4 => S1,
                5..=7 => S2,
                _ => S3,
            };
            (format!("customer-{i:02}"), sub)
        })
        .collect()
}

fn ws(sub: &str, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourceGroups/rg-{name}/providers/Microsoft.OperationalInsights/workspaces/law-{name}"
    )
}

/// The forbidden one, in a delegated subscription.
const FORBIDDEN: &str = "customer-06";

fn config() -> Config {
    let workspaces: Vec<String> = fleet().iter().map(|(n, s)| ws(s, n)).collect();
    let tables = custom_tables();
    Config {
        seed_tables: workspaces
            .iter()
            .flat_map(|w| {
                tables.iter().map(|(name, columns)| SeedTable {
                    workspace_id: w.clone(),
                    name: name.clone(),
                    columns: columns.clone(),
                })
            })
            .collect(),
        workspaces,
        tenants: [(S1, MSSP), (S2, T2), (S3, T3)]
            .into_iter()
            .map(|(subscription, tenant)| TenantBinding {
                subscription: subscription.into(),
                tenant: tenant.into(),
            })
            .collect(),
        delegations: [S2, S3]
            .into_iter()
            .map(|subscription| Delegation {
                subscription: subscription.into(),
                managing_tenant: MSSP.into(),
            })
            .collect(),
        forbidden: vec![ws(S2, FORBIDDEN)],
        // ARM's common buckets off, so the one throttled subscription is the only one throttled
        throttle: false,
        // S3's writes: a small bucket refilling slowly, so its three workspaces get 429s with a
        // Retry-After and have to wait; reads are left alone
        subscription_throttles: vec![SubscriptionThrottle {
            subscription: S3.into(),
            reads: BucketLimits {
                capacity: 1000.0,
                refill_per_second: 1000.0,
            },
            writes: BucketLimits {
                capacity: 10.0,
                refill_per_second: 20.0,
            },
        }],
        ..Config::default()
    }
}

/// Environment files `environments/customer-NN.yaml`, each a copy of `local.yaml` pointing at its
/// workspace, all signing in to the managing tenant.
fn write_environments(repo: &TempRepo) {
    let local = repo.read("environments/local.yaml");
    for (name, sub) in fleet() {
        let text = local
            .replace("00000000-0000-0000-0000-000000000001", MSSP)
            .replace("00000000-0000-0000-0000-00000000000a", sub)
            .replace("rg-sentinel-local", &format!("rg-{name}"))
            .replace("law-sentinel-local", &format!("law-{name}"));
        std::fs::write(repo.join(format!("environments/{name}.yaml")), text).unwrap();
    }
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)))
}

/// environment → its entry of a fleet JSON report.
fn by_env(report: &Value) -> Vec<(String, Value)> {
    report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["environment"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_over_ten_workspaces_isolates_the_forbidden_one_and_a_rerun_finishes_it() {
    let repo = TempRepo::shipped();
    write_environments(&repo);
    let emulator = EmulatorGuard::start(config()).await;
    let reports = repo.join("reports").display().to_string();
    let audit_file = repo.join("fleet-audit.json").display().to_string();

    // plan over the fleet: everything to create, the forbidden workspace an error; markdown on
    // stdout, the same markdown, JUnit and JSON in the report directory
    let plan = repo.run_on(
        &emulator,
        &[
            "plan",
            "--env",
            "customer-*",
            "--format",
            "markdown",
            "--report-dir",
            &reports,
        ],
    );
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));
    let markdown = String::from_utf8_lossy(&plan.stdout).to_string();
    assert_eq!(markdown, repo.read("reports/fleet-plan.md"));
    assert!(
        markdown.contains(&format!(
            "#### <code>{FORBIDDEN}</code>\n\n**Error:** cannot read workspace"
        )),
        "{markdown}"
    );
    assert!(markdown.contains("AuthorizationFailed"), "{markdown}");
    assert!(
        markdown.contains("#### <code>customer-01</code>\n\n**")
            && markdown.contains("| Create | detection |"),
        "{markdown}"
    );
    let report: Value = serde_json::from_str(&repo.read("reports/fleet-plan.json")).unwrap();
    assert_eq!(report["command"], "plan");
    let entries = by_env(&report);
    assert_eq!(entries.len(), 10, "{report:#}");
    for (env, e) in &entries {
        if env == FORBIDDEN {
            assert_eq!(e["result"], "error", "{e:#}");
        } else {
            assert_eq!(e["result"], "changes", "{env}: {e:#}");
            assert!(e["changes"].as_u64().unwrap() > 0, "{e:#}");
            assert_eq!(
                e["planned"].as_array().map(|p| p.len() as u64),
                e["changes"].as_u64(),
                "{e:#}"
            );
        }
    }

    // the first apply: nine converge, the forbidden one is named, the exit code says so; one
    // audit document holds every workspace's record
    let first = repo.run_on(
        &emulator,
        &[
            "apply",
            "--env",
            "customer-*",
            "--auto-approve",
            "--format",
            "json",
            "--audit",
            &audit_file,
            "--report-dir",
            &reports,
        ],
    );
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    let audit: Value = serde_json::from_str(&repo.read("fleet-audit.json")).unwrap();
    assert_eq!(audit["kind"], "sentinelctl-fleet-apply-audit");
    let records = audit["environments"].as_array().unwrap();
    assert_eq!(records.len(), 10, "{audit:#}");
    for r in records {
        if r["environment"] == FORBIDDEN {
            assert_eq!(r["result"], "error", "{r:#}");
            assert!(
                r["error"].as_str().unwrap().contains("AuthorizationFailed"),
                "{r:#}"
            );
        } else {
            assert_eq!(r["result"], "applied", "{r:#}");
            assert_eq!(r["identity"]["tenant_id"], MSSP, "{r:#}");
            assert!(r["identity"]["object_id"].is_string(), "{r:#}");
            let outcomes = r["outcomes"].as_array().unwrap();
            assert_eq!(Some(outcomes.len() as u64), r["summary"]["done"].as_u64());
            assert!(
                outcomes.iter().all(|o| o["request_ids"].is_array()),
                "{r:#}"
            );
        }
    }
    let junit = repo.read("reports/fleet-apply.junit.xml");
    assert_eq!(junit.matches("<testsuite ").count(), 10, "{junit}");
    assert!(
        junit.contains(&format!(
            "<testsuite name=\"apply.{FORBIDDEN}\" tests=\"1\" failures=\"0\" errors=\"1\">"
        )),
        "{junit}"
    );
    let report = json(&first);
    assert_eq!(report["command"], "apply");
    let mut written = 0;
    for (env, e) in by_env(&report) {
        if env == FORBIDDEN {
            assert_eq!(e["result"], "error", "{e:#}");
            let error = e["error"].as_str().unwrap();
            assert!(
                error.contains("AuthorizationFailed") || error.contains("403"),
                "{error}"
            );
            assert!(e["hint"].is_string(), "the hint is reported: {e:#}");
            assert!(
                e["workspace_id"]
                    .as_str()
                    .unwrap()
                    .ends_with("law-customer-06")
            );
        } else {
            assert_eq!(e["result"], "applied", "{env}: {e:#}");
            assert_eq!(e["failed"], 0, "{env}: {e:#}");
            assert_eq!(e["skipped"], 0, "{env}: {e:#}");
            assert_eq!(e["refused"], 0, "{env}: {e:#}");
            written = e["done"].as_u64().unwrap();
            assert!(written > 0, "{e:#}");
        }
    }
    // S3's bucket is smaller than what its three workspaces write: it answered 429s, and its
    // workspaces still converged (above); no other subscription was throttled
    let throttled: Vec<String> = emulator
        .requests()
        .iter()
        .filter(|r| r["status"] == 429)
        .map(|r| r["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        !throttled.is_empty(),
        "the throttle was not exercised ({written} writes each)"
    );
    assert!(throttled.iter().all(|p| p.contains(S3)), "{throttled:?}");

    // the human table names every workspace and the failure with its hint; the reports collapse
    // the converged workspaces and show the forbidden one's error
    let human = repo.run_on(
        &emulator,
        &["plan", "--env", "customer-*", "--report-dir", &reports],
    );
    let markdown = repo.read("reports/fleet-plan.md");
    let junit = repo.read("reports/fleet-plan.junit.xml");
    for (env, _) in fleet() {
        if env == FORBIDDEN {
            assert!(
                markdown.contains(&format!("#### <code>{env}</code>\n\n**Error:**")),
                "{markdown}"
            );
            assert!(
                junit.contains(&format!(
                    "<testsuite name=\"plan.{env}\" tests=\"1\" failures=\"0\" errors=\"1\">"
                )),
                "{junit}"
            );
        } else {
            assert!(
                markdown.contains(&format!(
                    "<details><summary><code>{env}</code>: no changes</summary>"
                )),
                "{markdown}"
            );
            assert!(
                junit.contains(&format!("<testsuite name=\"plan.{env}\" tests=\"1\" failures=\"0\" skipped=\"0\">\n    <testcase classname=\"{env}\" name=\"workspace\" />")),
                "{junit}"
            );
        }
    }
    assert!(junit.contains("AuthorizationFailed"), "{junit}");
    let shown = String::from_utf8_lossy(&human.stdout).to_string();
    assert_eq!(human.status.code(), Some(1), "{}", text(&human));
    for (env, _) in fleet() {
        let line = shown
            .lines()
            .find(|l| l.starts_with(&env))
            .unwrap_or_else(|| panic!("no line for {env}: {shown}"));
        if env == FORBIDDEN {
            assert!(line.contains("error:"), "{line}");
        } else {
            assert!(line.contains("ok: no changes"), "{line}");
        }
    }
    assert!(shown.contains(&format!("help ({FORBIDDEN}):")), "{shown}");
    assert!(
        shown.contains("9 of 10 environments planned without error"),
        "{shown}"
    );

    // the role is granted: the same apply again is the resume
    emulator.set_forbidden(&[]);
    let second = repo.run_on(
        &emulator,
        &[
            "apply",
            "--env",
            "customer-*",
            "--auto-approve",
            "--format",
            "json",
        ],
    );
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    for (env, e) in by_env(&json(&second)) {
        if env == FORBIDDEN {
            assert_eq!(e["result"], "applied", "{e:#}");
            assert_eq!(e["done"].as_u64(), Some(written), "{e:#}");
        } else {
            assert_eq!(e["result"], "no-changes", "{env}: {e:#}");
        }
    }

    // all converged: a detailed plan finds nothing (ten passing suites) and drift over all is clean
    let plan = repo.run_on(
        &emulator,
        &[
            "plan",
            "--env",
            "customer-*",
            "--detailed-exitcode",
            "--format",
            "junit",
        ],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let junit = String::from_utf8_lossy(&plan.stdout);
    assert_eq!(
        junit.matches("name=\"workspace\" />").count(),
        10,
        "{junit}"
    );
    assert!(
        !junit.contains("<failure") && !junit.contains("<error"),
        "{junit}"
    );
    let drift = repo.run_on(
        &emulator,
        &["drift", "--env", "customer-*", "--format", "json"],
    );
    assert_eq!(drift.status.code(), Some(0), "{}", text(&drift));
    assert_eq!(json(&drift)["environments"].as_array().unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_apply_needs_auto_approve_refuses_single_environment_options_and_reports_an_unwritable_audit()
 {
    let repo = TempRepo::shipped();
    write_environments(&repo);
    let emulator = EmulatorGuard::start(config()).await;
    let out = repo.run_on(&emulator, &["apply", "--env", "customer-*"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("needs --auto-approve"),
        "{}",
        text(&out)
    );
    let out = repo.run_on(
        &emulator,
        &[
            "plan",
            "--env",
            "customer-01",
            "--env",
            "customer-02",
            "--out",
            "p.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("--out saves one plan"),
        "{}",
        text(&out)
    );
    let out = repo.run_on(
        &emulator,
        &["plan", "--env", "customer-01", "--report-dir", "reports"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("--report-dir writes fleet reports"),
        "{}",
        text(&out)
    );
    // nothing was written
    let state = emulator.snapshot();
    let rules: usize = state["workspaces"].as_array().map_or(0, |w| {
        w.iter()
            .map(|ws| ws["alertRules"].as_array().map_or(0, Vec::len))
            .sum()
    });
    assert_eq!(rules, 0);

    // an audit record that cannot be written fails the run and says the apply happened
    let missing = repo.join("no-such-dir/audit.json").display().to_string();
    let out = repo.run_on(
        &emulator,
        &[
            "apply",
            "--env",
            "customer-01",
            "--env",
            "customer-02",
            "--auto-approve",
            "--audit",
            &missing,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(
            "the apply ran (2 of 2 environments without error) but its audit record could not be written"
        ),
        "{}",
        text(&out)
    );
}
