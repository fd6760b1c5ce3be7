//! `sentinelctl import`: write the workspace's content as files (nothing unless every file can be).

use super::connect_options;
use crate::args::{ImportArgs, KindArg, ReportFormat};
use crate::exit::ExitStatus;
use crate::import::ImportOptions;
use crate::model::ResourceKind;
use crate::ops::import::{ImportRequest, import_workspace};
use crate::render::reports;
use crate::session::Session;

/// Runs `import`.
pub fn run(cx: &Session, args: &ImportArgs) -> anyhow::Result<ExitStatus> {
    let kinds = args.kind.iter().map(|k| match k {
        KindArg::Detection => ResourceKind::Detection,
        KindArg::Function => ResourceKind::Function,
        KindArg::Workbook => ResourceKind::Workbook,
        KindArg::Watchlist => ResourceKind::Watchlist,
        KindArg::HuntingQuery => ResourceKind::HuntingQuery,
        KindArg::AutomationRule => ResourceKind::AutomationRule,
    });
    let req = ImportRequest {
        env: args.env.clone(),
        out: args.out.clone(),
        options: ImportOptions {
            include_unmanaged: args.include_unmanaged,
            include_content_hub: args.include_content_hub,
            kinds: kinds.collect(),
            // set by the operation from the environment
            workspace_id: String::new(),
            only_existing: args.drifted,
        },
        force: args.force,
        connect: connect_options(cx, &args.arm, 4)?,
    };
    let imported = import_workspace(cx, &req)?;
    if args.format == ReportFormat::Json {
        cx.printer.stdout(|o| {
            let files: Vec<&std::path::Path> =
                imported.files.iter().map(|f| f.path.as_path()).collect();
            reports::import_json(o, &imported.environment, &imported.out, &files)
        })?;
    }
    if args.drifted {
        for f in &imported.files {
            cx.printer.status(&format!(
                "updated {} (changed in the workspace)",
                crate::escape::line(&f.path.display().to_string())
            ));
        }
        cx.printer.status(&format!(
            "{} drifted files updated in `{}`, {} already up to date",
            imported.files.len(),
            imported.out.display(),
            imported.unchanged
        ));
        return Ok(ExitStatus::Success);
    }
    let how = if args.include_unmanaged {
        "included"
    } else {
        "skipped (--include-unmanaged)"
    };
    cx.printer.status(&format!(
        "imported {} files into `{}` ({} already up to date); {} unmanaged resources {how}",
        imported.files.len(),
        imported.out.display(),
        imported.unchanged,
        imported.unmanaged,
    ));
    Ok(ExitStatus::Success)
}
