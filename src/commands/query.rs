//! `sentinelctl query`: run KQL or a saved function offline over log files, or with `--env` in the
//! environment's workspace.

use anyhow::Context as _;

use super::connect_options;
use crate::args::{QueryArgs, QueryFormat};
use crate::exit::ExitStatus;
use crate::ops::query::{QueryRequest, WorkspaceQueryRequest, query_offline, query_workspace};
use crate::ops::simulate::parse_time;
use crate::render::runs;
use crate::session::Session;

/// Runs `query`.
pub fn run(cx: &Session, args: &QueryArgs) -> anyhow::Result<ExitStatus> {
    let query = match (&args.query, &args.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the query from `{}`", f.display()))?,
        (None, None) => anyhow::bail!("give a query, or --file FILE"),
    };
    let table = match &args.env {
        Some(env) => query_workspace(
            cx,
            &WorkspaceQueryRequest {
                env: env.clone(),
                query,
                timespan: args.timespan.clone(),
                connect: connect_options(cx, &args.arm, 1)?,
            },
        )?,
        None => offline(cx, args, query)?,
    };
    cx.printer.stdout(|out| match args.format {
        QueryFormat::Table => runs::table_text(out, &table),
        QueryFormat::Json => runs::table_json(out, &table),
        QueryFormat::Csv => runs::table_csv(out, &table),
    })?;
    Ok(ExitStatus::Success)
}

fn offline(
    cx: &Session,
    args: &QueryArgs,
    query: String,
) -> anyhow::Result<sentinel_kql_engine::Table> {
    let now = match &args.now {
        Some(t) => parse_time(t, "--now")?,
        None => crate::run::current_time(),
    };
    let req = QueryRequest {
        query,
        data: args.data.clone(),
        now,
    };
    query_offline(cx, &req)
}
