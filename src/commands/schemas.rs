//! `sentinelctl schemas pull`: table schemas and parsers from a workspace into `schemas/`.

use super::connect_options;
use crate::args::SchemasCommand;
use crate::exit::ExitStatus;
use crate::ops::schemas::{PullRequest, pull};
use crate::session::Session;

/// Runs `schemas`.
pub fn run(cx: &Session, command: &SchemasCommand) -> anyhow::Result<ExitStatus> {
    let SchemasCommand::Pull(args) = command;
    let req = PullRequest {
        env: args.env.clone(),
        tables: args.tables.clone(),
        functions: args.functions,
        connect: connect_options(cx, &args.arm, 4)?,
    };
    let pulled = pull(cx, &req)?;
    for f in &pulled.files {
        cx.printer.status(&format!("wrote {}", f.display()));
    }
    cx.printer.status(&format!(
        "pulled {} files from `{}`; `sentinelctl validate` now checks queries against them",
        pulled.files.len(),
        args.env
    ));
    Ok(ExitStatus::Success)
}
