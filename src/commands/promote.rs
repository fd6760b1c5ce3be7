//! `sentinelctl promote --from A --to B`: write B's lock file from what is verified in A, then
//! show B's plan.

use anyhow::Context as _;

use crate::args::{PromoteArgs, ReportFormat};
use crate::exit::ExitStatus;
use crate::load::pinned::{lock_path, read_lock};
use crate::plan::PlanOptions;
use crate::promote::{PromoteOptions, merge, select, verify};
use crate::render::{plan_human, yaml::to_yaml};
use crate::schema::YamlLock;
use crate::session::Session;
use crate::workflow::{plan_live, prepare, runtime};

/// Runs `promote`.
pub fn run(cx: &Session, args: &PromoteArgs) -> anyhow::Result<ExitStatus> {
    anyhow::ensure!(
        args.all || !args.ids.is_empty(),
        "name the content to promote, or pass --all"
    );
    anyhow::ensure!(
        args.from != args.to,
        "--from and --to name the same environment"
    );
    let from = prepare(cx, &args.from, &[])?;
    let rt = runtime()?;
    let live = rt.block_on(async {
        let conn = crate::connect::connect(cx, &from.env, &args.arm, 4).await?;
        let live = crate::live::read(&conn.client, &conn.ws)
            .await
            .with_context(|| format!("cannot read workspace `{}`", from.env.workspace));
        conn.close().await;
        live
    })?;
    let options = PromoteOptions {
        ids: args.ids.clone(),
        all: args.all,
        allow_drifted: args.allow_drifted,
    };
    let (pins, mut refusals) = select(&cx.root, &from.desired, &live, &options);
    refusals.extend(verify(&cx.root, &pins, &from.env, &live, &from.repo));
    if !refusals.is_empty() {
        let lines: Vec<String> = refusals
            .iter()
            .map(|r| format!("  {}: {}", r.name, r.reason))
            .collect();
        anyhow::bail!(
            "cannot promote from `{}`:\n{}\nnothing was written",
            args.from,
            lines.join("\n")
        );
    }
    anyhow::ensure!(!pins.is_empty(), "nothing matched in `{}`", args.from);
    let mut repo = crate::load::Repository {
        root: cx.root.clone(),
        ..Default::default()
    };
    let to_path = repo.environment_path(&args.to);
    anyhow::ensure!(
        to_path.is_file(),
        "no environment `{}`: `{}` does not exist",
        args.to,
        to_path.display()
    );
    let lock_file = lock_path(&to_path);
    let existing = if lock_file.is_file() {
        read_lock(&mut repo, &lock_file)
            .map(|l| l.raw.items)
            .context("the existing lock file is invalid")?
    } else {
        Vec::new()
    };
    let lock = YamlLock {
        promoted_from: Some(args.from.clone()),
        items: merge(existing, pins.clone()),
    };
    let text = format!(
        "# Content pinned into `{}` by `sentinelctl promote --from {}`: plan and apply for `{}`\n# read each item at its commit. Review this file in a pull request.\n{}",
        args.to,
        args.from,
        args.to,
        to_yaml(&serde_json::to_value(&lock)?)
    );
    for p in &pins {
        cx.printer.status(&format!(
            "pin {} `{}` {} at {}",
            p.kind,
            p.name,
            p.version,
            crate::load::pinned::short(&p.commit)
        ));
    }
    if args.format == ReportFormat::Json {
        let doc = serde_json::json!({"format_version": 1, "from": args.from, "to": args.to, "dry_run": args.dry_run, "pins": pins});
        cx.printer.stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        })?;
    }
    if args.dry_run {
        cx.printer
            .status(&format!("dry run: `{}` not written", lock_file.display()));
        return Ok(ExitStatus::Success);
    }
    let tmp = lock_file.with_extension("yaml.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, &lock_file)
        .with_context(|| format!("cannot write `{}`", lock_file.display()))?;
    cx.printer.status(&format!(
        "wrote `{}`; the plan for `{}` follows",
        repo.shown(&lock_file).display(),
        args.to
    ));
    let to = prepare(cx, &args.to, &[])?;
    let plan = rt.block_on(async {
        let (conn, plan) = plan_live(cx, &to, &args.arm, &PlanOptions::default(), 8).await?;
        conn.close().await;
        anyhow::Ok(plan)
    })?;
    cx.printer
        .stdout(|out| plan_human::render(out, &plan, cx.printer.color_stdout))?;
    Ok(ExitStatus::Success)
}
