//! `sentinelctl import`: write the workspace's content as files. Nothing is written unless every
//! file can be (no partial import): existing files that differ stop the import unless `--force`.

use anyhow::Context as _;

use crate::args::{ImportArgs, KindArg, ReportFormat};
use crate::exit::ExitStatus;
use crate::import::{ImportOptions, import};
use crate::load::Repository;
use crate::model::ResourceKind;
use crate::session::Session;
use crate::workflow::runtime;

/// Runs `import`.
pub fn run(cx: &Session, args: &ImportArgs) -> anyhow::Result<ExitStatus> {
    let mut repo = Repository {
        root: cx.root.clone(),
        ..Repository::default()
    };
    let env_path = repo.environment_path(&args.env);
    anyhow::ensure!(
        env_path.is_file(),
        "no environment `{}`: `{}` does not exist",
        args.env,
        env_path.display()
    );
    let Some((_, env)) = repo.environment(&args.env) else {
        let msgs: Vec<String> = repo.diagnostics.iter().map(|d| d.message.clone()).collect();
        anyhow::bail!("environment `{}` is invalid: {}", args.env, msgs.join("; "));
    };
    let live = runtime()?.block_on(async {
        let conn = crate::connect::connect(cx, &env, &args.arm, 4).await?;
        let live = crate::live::read(&conn.client, &conn.ws)
            .await
            .with_context(|| format!("cannot read workspace `{}`", env.workspace));
        conn.close().await;
        live
    })?;
    let kinds = args.kind.iter().map(|k| match k {
        KindArg::Detection => ResourceKind::Detection,
        KindArg::Function => ResourceKind::Function,
        KindArg::Workbook => ResourceKind::Workbook,
    });
    let options = ImportOptions {
        include_unmanaged: args.include_unmanaged,
        include_content_hub: args.include_content_hub,
        kinds: kinds.collect(),
    };
    let files = import(&live, &options);
    let out = args.out.clone().unwrap_or_else(|| cx.root.clone());
    let conflicts: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read_to_string(out.join(&f.path)).is_ok_and(|old| old != f.text))
        .map(|f| f.path.display().to_string())
        .collect();
    if !conflicts.is_empty() && !args.force {
        anyhow::bail!(
            "these files exist with other content: {}; pass --force to overwrite them",
            conflicts.join(", ")
        );
    }
    for f in &files {
        let path = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        std::fs::write(&path, &f.text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if args.format == ReportFormat::Json {
        let doc = serde_json::json!({
            "format_version": 1,
            "environment": env.name,
            "out": out,
            "files": files.iter().map(|f| f.path.to_string_lossy().replace('\\', "/")).collect::<Vec<_>>(),
        });
        cx.printer.stdout(|o| {
            serde_json::to_writer_pretty(&mut *o, &doc)?;
            writeln!(o)
        })?;
    }
    let skipped = live.items.values().filter(|i| i.owner.is_none()).count();
    cx.printer.status(&format!(
        "imported {} files into `{}`; {} unmanaged resources {}",
        files.len(),
        out.display(),
        skipped,
        if args.include_unmanaged {
            "included"
        } else {
            "skipped (--include-unmanaged)"
        }
    ));
    Ok(ExitStatus::Success)
}
