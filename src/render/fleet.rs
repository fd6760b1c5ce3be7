//! Fleet reports (`plan`/`apply` over several environments): a summary table for people, a JSON
//! document (see docs/json-output.md), markdown for a pull-request comment (a section per
//! workspace) and JUnit XML (a suite per workspace, a test case per resource write).

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::apply::Status;
use crate::escape::{block, line, md, xml};
use crate::ops::fleet::{FleetMode, FleetOutcome, FleetResult};
use crate::plan::{Action, Change, Plan};

fn command(mode: FleetMode) -> &'static str {
    match mode {
        FleetMode::Plan => "plan",
        FleetMode::Apply => "apply",
    }
}

/// The result in a few words, without messages: `ok: no changes`, `3 changes, 1 refused`,
/// `changes applied 3, 1 failed`, `error`.
fn phrase(result: &FleetResult) -> String {
    match result {
        FleetResult::NoChanges => "ok: no changes".to_string(),
        FleetResult::Changes { changes, refused } => {
            let mut s = format!("{changes} changes");
            if *refused > 0 {
                s.push_str(&format!(", {refused} refused"));
            }
            s
        }
        FleetResult::Applied {
            done,
            failed,
            skipped,
            refused,
            ..
        } => {
            let mut s = format!("changes applied {done}");
            for (n, what) in [
                (failed, "failed"),
                (skipped, "skipped"),
                (refused, "refused"),
            ] {
                if *n > 0 {
                    s.push_str(&format!(", {n} {what}"));
                }
            }
            s
        }
        FleetResult::Error { .. } => "error".to_string(),
    }
}

/// One line per environment: name, result, then the error's hint on its own line.
pub fn human(out: &mut dyn Write, mode: FleetMode, outcomes: &[FleetOutcome]) -> io::Result<()> {
    let width = outcomes
        .iter()
        .map(|o| o.environment.chars().count())
        .chain(std::iter::once("environment".len()))
        .max()
        .unwrap_or(11);
    writeln!(out, "{:width$}  result", "environment")?;
    let mut hints = Vec::new();
    for o in outcomes {
        let mut result = phrase(&o.result);
        match &o.result {
            FleetResult::Applied {
                first_failure: Some(why),
                ..
            } => result.push_str(&format!(": {}", block(why))),
            FleetResult::Error { error, hint } => {
                if let Some(h) = hint {
                    hints.push((o.environment.clone(), h.clone()));
                }
                result.push_str(&format!(": {}", block(error)));
            }
            _ => {}
        }
        writeln!(
            out,
            "{:width$}  {}",
            line(&o.environment),
            result.replace('\n', " ")
        )?;
    }
    for (env, hint) in hints {
        writeln!(out, "help ({}): {}", line(&env), block(&hint))?;
    }
    let failed = outcomes.iter().filter(|o| o.result.is_failure()).count();
    let verb = match mode {
        FleetMode::Plan => "planned",
        FleetMode::Apply => "applied",
    };
    writeln!(
        out,
        "{} of {} environments {verb} without error{}",
        outcomes.len() - failed,
        outcomes.len(),
        if failed > 0 && mode == FleetMode::Apply {
            "; run the same apply again to finish the rest (converged workspaces are no-ops)"
        } else {
            ""
        }
    )
}

/// The changes of a plan a report lists: writes and refusals (not no-ops, unmanaged or orphaned).
fn listed(plan: &Plan) -> impl Iterator<Item = &Change> {
    plan.changes
        .iter()
        .filter(|c| c.action.writes() || c.action.is_refused())
}

/// The fleet document: `{"format_version": 1, "command", "environments": [...]}`; each entry also
/// lists its `planned` changes and, for apply, its write `outcomes`.
pub fn json(out: &mut dyn Write, mode: FleetMode, outcomes: &[FleetOutcome]) -> io::Result<()> {
    let entries: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut entry = serde_json::to_value(o).unwrap_or(Value::Null);
            if let (Value::Object(m), Some(plan)) = (&mut entry, o.plan()) {
                let planned: Vec<Value> = listed(plan)
                    .map(|c| {
                        let mut v = json!({
                            "action": c.action,
                            "kind": c.kind,
                            "name": c.name,
                            "display_name": c.display_name,
                        });
                        if let Some(r) = &c.reason {
                            v["reason"] = json!(r);
                        }
                        v
                    })
                    .collect();
                m.insert("planned".into(), Value::Array(planned));
                if let Some(a) = o.applied() {
                    m.insert("outcomes".into(), json!(a.report.outcomes));
                }
            }
            entry
        })
        .collect();
    let doc = json!({
        "format_version": 1,
        "command": command(mode),
        "environments": entries,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Markdown for a pull-request comment or a job summary: a table of every environment, then one
/// section per workspace (collapsed when nothing changed).
pub fn markdown(out: &mut dyn Write, mode: FleetMode, outcomes: &[FleetOutcome]) -> io::Result<()> {
    writeln!(
        out,
        "### sentinelctl {}: {} environments\n\n| environment | result |\n|---|---|",
        command(mode),
        outcomes.len()
    )?;
    for o in outcomes {
        writeln!(
            out,
            "| <code>{}</code> | {} |",
            md(&o.environment),
            phrase(&o.result)
        )?;
    }
    for o in outcomes {
        let env = md(&o.environment);
        match (&o.result, o.plan()) {
            (FleetResult::Error { error, hint }, _) => {
                writeln!(out, "\n#### <code>{env}</code>\n\n**Error:** {}", md(error))?;
                if let Some(h) = hint {
                    writeln!(out, "\n> **Hint:** {}", md(h))?;
                }
            }
            (FleetResult::NoChanges, plan) => {
                let counts = plan
                    .map(|p| {
                        format!(
                            " ({} unchanged, {} unmanaged)",
                            p.summary.unchanged, p.summary.unmanaged
                        )
                    })
                    .unwrap_or_default();
                writeln!(
                    out,
                    "\n<details><summary><code>{env}</code>: no changes</summary>\n\nThe workspace matches the repository{counts}.\n\n</details>"
                )?;
            }
            (_, Some(plan)) => {
                writeln!(out, "\n#### <code>{env}</code>\n")?;
                if let Some(a) = o.applied() {
                    writeln!(out, "**{}**\n", phrase(&o.result))?;
                    outcome_table(out, &a.report.outcomes)?;
                    super::plan_markdown::notes(out, plan)?;
                } else {
                    super::plan_markdown::summary(out, plan)?;
                    super::plan_markdown::changes(out, plan)?;
                }
            }
            (_, None) => writeln!(out, "\n#### <code>{env}</code>\n\n{}", phrase(&o.result))?,
        }
    }
    Ok(())
}

/// The writes of one workspace's apply: action, kind, name and how each ended.
fn outcome_table(out: &mut dyn Write, outcomes: &[crate::apply::Outcome]) -> io::Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    writeln!(out, "| action | kind | name | result |\n|---|---|---|---|")?;
    for o in outcomes {
        let status = match &o.status {
            Status::Done => "done".to_string(),
            Status::Failed(why) => format!("**failed:** {}", md(why)),
            Status::Skipped(why) => format!("skipped: {}", md(why)),
        };
        writeln!(
            out,
            "| {:?} | {} | {} | {status} |",
            o.action,
            o.kind.as_str(),
            md(&o.display_name)
        )?;
    }
    writeln!(out)
}

/// A test case: `classname` is `ENV.KIND`, the name `DISPLAY (NAME)`; `inner` is its body XML.
fn testcase(s: &mut String, env: &str, kind: &str, display: &str, name: &str, inner: &str) {
    let _ = write!(
        s,
        "    <testcase classname=\"{}.{kind}\" name=\"{} ({})\"",
        xml(env),
        xml(display),
        xml(name)
    );
    if inner.is_empty() {
        s.push_str(" />\n");
    } else {
        let _ = write!(s, ">\n      {inner}\n    </testcase>\n");
    }
}

/// Why a refused change is not made, as a `<failure>`.
fn refusal(c: &Change) -> String {
    let why = match (c.action, &c.reason) {
        (_, Some(r)) => r.as_str(),
        (Action::Conflict, None) => "an unmanaged resource uses this name; --adopt takes it over",
        _ => "Sentinel would refuse it",
    };
    format!(
        "<failure message=\"{0:?}: not made\" type=\"{0:?}\">{1}</failure>",
        c.action,
        xml(why)
    )
}

/// JUnit XML: a test suite per workspace (`plan.ENV` / `apply.ENV`) with a test case per resource
/// write (plan: pending writes pass; apply: failed writes fail, skipped ones are skipped), a
/// failing case per refused change, one passing `workspace` case when nothing changed, and an
/// error case when the workspace could not be planned.
pub fn junit(out: &mut dyn Write, mode: FleetMode, outcomes: &[FleetOutcome]) -> io::Result<()> {
    let prefix = command(mode);
    let mut s = super::junit_header(prefix);
    for o in outcomes {
        let plan = match (&o.result, o.plan()) {
            (FleetResult::Error { error, hint }, _) => {
                let text = match hint {
                    Some(h) => format!("{error}\nhelp: {h}"),
                    None => error.clone(),
                };
                super::junit_error_suite(&mut s, prefix, &o.environment, "not planned", &text);
                continue;
            }
            (_, Some(plan)) => plan,
            (_, None) => continue,
        };
        let mut cases = String::new();
        let (mut tests, mut failures, mut skipped) = (0, 0, 0);
        let env = &o.environment;
        match o.applied() {
            Some(a) => {
                for w in &a.report.outcomes {
                    let inner = match &w.status {
                        Status::Done => String::new(),
                        Status::Failed(why) => {
                            failures += 1;
                            format!(
                                "<failure message=\"{:?} failed\" type=\"Failed\">{}</failure>",
                                w.action,
                                xml(why)
                            )
                        }
                        Status::Skipped(why) => {
                            skipped += 1;
                            format!("<skipped message=\"{}\" />", xml(why))
                        }
                    };
                    tests += 1;
                    testcase(
                        &mut cases,
                        env,
                        w.kind.as_str(),
                        &w.display_name,
                        &w.name,
                        &inner,
                    );
                }
            }
            None => {
                for c in plan.changes.iter().filter(|c| c.action.writes()) {
                    tests += 1;
                    let inner = format!("<system-out>{:?}</system-out>", c.action);
                    testcase(
                        &mut cases,
                        env,
                        c.kind.as_str(),
                        &c.display_name,
                        &c.name,
                        &inner,
                    );
                }
            }
        }
        for c in plan.changes.iter().filter(|c| c.action.is_refused()) {
            tests += 1;
            failures += 1;
            testcase(
                &mut cases,
                env,
                c.kind.as_str(),
                &c.display_name,
                &c.name,
                &refusal(c),
            );
        }
        if tests == 0 {
            tests = 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"workspace\" />",
                xml(env)
            );
        }
        let _ = writeln!(
            s,
            "  <testsuite name=\"{prefix}.{}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">\n{cases}  </testsuite>",
            xml(env)
        );
    }
    s.push_str("</testsuites>\n");
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::{Applied, ApplyReport, Outcome};
    use crate::ops::fleet::FleetDetail;
    use crate::render::tests::{assert_golden, sample_plan};

    fn outcome(env: &str, result: FleetResult) -> FleetOutcome {
        FleetOutcome {
            environment: env.into(),
            workspace_id: format!(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/{env}"
            ),
            result,
            detail: FleetDetail::None,
        }
    }

    /// A plan with the sample's changes, or only its no-op when `changed` is false.
    fn plan(env: &str, changed: bool) -> Plan {
        let mut p = sample_plan();
        p.environment = env.into();
        if !changed {
            p.changes.retain(|c| c.action == Action::NoOp);
            p.summary = crate::plan::summarize(&p.changes);
        }
        p
    }

    fn forbidden(env: &str, error: &str) -> FleetOutcome {
        outcome(
            env,
            FleetResult::Error {
                error: error.into(),
                hint: Some("grant `Microsoft Sentinel Reader` <now>".into()),
            },
        )
    }

    fn plan_fleet() -> Vec<FleetOutcome> {
        vec![
            FleetOutcome::planned(plan("customer-01", true)),
            FleetOutcome::planned(plan("customer-02", false)),
            forbidden(
                "customer-06",
                "cannot read workspace: AuthorizationFailed (403)",
            ),
        ]
    }

    fn apply_fleet() -> Vec<FleetOutcome> {
        let p = plan("customer-01", true);
        let write = |c: &Change, status| Outcome {
            kind: c.kind,
            name: c.name.clone(),
            display_name: c.display_name.clone(),
            action: c.action,
            status,
            request_ids: vec!["r-1".into()],
        };
        let writes: Vec<&Change> = p.changes.iter().filter(|c| c.action.writes()).collect();
        let report = ApplyReport {
            outcomes: vec![
                write(writes[0], Status::Done),
                write(
                    writes[1],
                    Status::Failed("400 BadRequest: `query` <invalid>".into()),
                ),
                write(writes[2], Status::Skipped("a dependency failed".into())),
            ],
        };
        let mut applied = outcome(
            "customer-01",
            FleetResult::Applied {
                done: 1,
                failed: 1,
                skipped: 1,
                refused: 1,
                first_failure: Some("detection `Brute force`: 400".into()),
            },
        );
        applied.detail = FleetDetail::Applied(Box::new(Applied {
            plan: p,
            report,
            audit: crate::apply::AuditFacts::default(),
        }));
        let mut unchanged = outcome("customer-02", FleetResult::NoChanges);
        unchanged.detail = FleetDetail::Applied(Box::new(Applied {
            plan: plan("customer-02", false),
            report: ApplyReport::default(),
            audit: crate::apply::AuditFacts::default(),
        }));
        vec![
            applied,
            unchanged,
            forbidden("customer-06", "AuthorizationFailed"),
        ]
    }

    type Render = fn(&mut dyn Write, FleetMode, &[FleetOutcome]) -> io::Result<()>;

    fn render(f: Render, mode: FleetMode, outcomes: &[FleetOutcome]) -> String {
        let mut out = Vec::new();
        f(&mut out, mode, outcomes).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn golden_outputs() {
        for (name, f, mode, outcomes) in [
            (
                "fleet_plan_markdown.md",
                markdown as Render,
                FleetMode::Plan,
                plan_fleet(),
            ),
            ("fleet_plan_junit.xml", junit, FleetMode::Plan, plan_fleet()),
            (
                "fleet_apply_markdown.md",
                markdown,
                FleetMode::Apply,
                apply_fleet(),
            ),
            (
                "fleet_apply_junit.xml",
                junit,
                FleetMode::Apply,
                apply_fleet(),
            ),
        ] {
            assert_golden(name, &render(f, mode, &outcomes));
        }
    }

    #[test]
    fn markdown_collapses_unchanged_workspaces_and_names_errors() {
        let text = render(markdown, FleetMode::Plan, &plan_fleet());
        assert!(text.contains("<details><summary><code>customer-02</code>: no changes</summary>"));
        assert!(text.contains("#### <code>customer-01</code>"));
        assert!(text.contains("| Create | function | OnePasswordEvents |"));
        assert!(text.contains("#### <code>customer-06</code>\n\n**Error:** cannot read workspace"));
        assert!(text.contains("> **Hint:** grant &#96;Microsoft Sentinel Reader&#96; &lt;now&gt;"));
    }

    #[test]
    fn junit_suites_count_failures_per_workspace() {
        let text = render(junit, FleetMode::Apply, &apply_fleet());
        assert!(text.contains(
            "<testsuite name=\"apply.customer-01\" tests=\"4\" failures=\"2\" skipped=\"1\">"
        ));
        assert!(text.contains(
            "<testsuite name=\"apply.customer-02\" tests=\"1\" failures=\"0\" skipped=\"0\">\n    <testcase classname=\"customer-02\" name=\"workspace\" />"
        ));
        assert!(text.contains(
            "<testsuite name=\"apply.customer-06\" tests=\"1\" failures=\"0\" errors=\"1\">"
        ));
    }

    #[test]
    fn hostile_names_and_messages_stay_inert() {
        let env = "evil|</code><script>`x`</script>";
        let error = "denied\n</details><!-- | ``` <img src=x onerror=alert(1)> ]]> \u{1b}[2J";
        let mut p = plan(env, true);
        p.changes[0].display_name = "fn` | <b>bold</b> **x**".into();
        p.changes[0].name = "a\"b'c<d>".into();
        let outcomes = [
            FleetOutcome::planned(p),
            FleetOutcome::planned(plan(env, false)),
            forbidden(env, error),
        ];
        let text = render(markdown, FleetMode::Plan, &outcomes);
        for bad in [
            "<script>",
            "<img",
            "<!--",
            "</details><",
            "<b>",
            "\u{1b}",
            "`x`",
        ] {
            assert!(!text.contains(bad), "{bad} leaked:\n{text}");
        }
        assert!(text.contains("<code>evil&#124;&lt;/code&gt;&lt;script&gt;&#96;x&#96;"));
        // every table row keeps its two columns
        for row in text.lines().filter(|l| l.starts_with("| <code>")) {
            assert_eq!(row.matches('|').count(), 3, "{row}");
        }
        let xml_text = render(junit, FleetMode::Plan, &outcomes);
        for bad in ["<script>", "<img", "<!--", "<b>", "\u{1b}", "a\"b"] {
            assert!(!xml_text.contains(bad), "{bad} leaked:\n{xml_text}");
        }
        assert!(xml_text.contains("evil|&lt;/code&gt;&lt;script&gt;"));
        assert!(xml_text.contains("\\u{1b}[2J"));
    }

    #[test]
    fn json_entries_list_planned_changes_and_outcomes() {
        let v: Value =
            serde_json::from_str(&render(json, FleetMode::Apply, &apply_fleet())).unwrap();
        let first = &v["environments"][0];
        assert_eq!(first["result"], "applied");
        assert_eq!(first["done"], 1);
        assert_eq!(first["planned"][0]["action"], "create");
        assert_eq!(first["outcomes"][1]["status"], "failed");
        assert_eq!(v["environments"][2]["result"], "error");
        assert!(v["environments"][2].get("planned").is_none());
    }

    #[test]
    fn the_table_names_every_environment_and_each_failure_with_its_hint() {
        let outcomes = [
            outcome("customer-a", FleetResult::NoChanges),
            outcome(
                "customer-b",
                FleetResult::Applied {
                    done: 3,
                    failed: 1,
                    skipped: 0,
                    refused: 0,
                    first_failure: Some("detection `X`: 400".into()),
                },
            ),
            outcome(
                "customer-c",
                FleetResult::Error {
                    error: "permission denied\nsecond line".into(),
                    hint: Some("grant the role".into()),
                },
            ),
        ];
        let mut out = Vec::new();
        human(&mut out, FleetMode::Apply, &outcomes).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "environment  result\n\
             customer-a   ok: no changes\n\
             customer-b   changes applied 3, 1 failed: detection `X`: 400\n\
             customer-c   error: permission denied second line\n\
             help (customer-c): grant the role\n\
             1 of 3 environments applied without error; run the same apply again to finish the rest (converged workspaces are no-ops)\n"
        );
        let mut out = Vec::new();
        json(&mut out, FleetMode::Plan, &outcomes[..1]).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["command"], "plan");
        assert_eq!(v["environments"][0]["result"], "no-changes");
        assert_eq!(v["environments"][0]["environment"], "customer-a");
    }
}
