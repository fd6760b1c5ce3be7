//! Fleet reports (`plan`/`apply` over several environments): a summary table for people and a JSON
//! document (see docs/json-output.md).

use std::io::{self, Write};

use serde_json::json;

use crate::escape::{block, line};
use crate::ops::fleet::{FleetMode, FleetOutcome, FleetResult};

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
        let result = match &o.result {
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
                first_failure,
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
                if let Some(why) = first_failure {
                    s.push_str(&format!(": {}", block(why)));
                }
                s
            }
            FleetResult::Error { error, hint } => {
                if let Some(h) = hint {
                    hints.push((o.environment.clone(), h.clone()));
                }
                format!("error: {}", block(error))
            }
        };
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

/// The fleet document: `{"format_version": 1, "command", "environments": [...]}`.
pub fn json(out: &mut dyn Write, mode: FleetMode, outcomes: &[FleetOutcome]) -> io::Result<()> {
    let command = match mode {
        FleetMode::Plan => "plan",
        FleetMode::Apply => "apply",
    };
    let doc = json!({
        "format_version": 1,
        "command": command,
        "environments": outcomes,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(env: &str, result: FleetResult) -> FleetOutcome {
        FleetOutcome {
            environment: env.into(),
            workspace_id: format!(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/{env}"
            ),
            result,
        }
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
