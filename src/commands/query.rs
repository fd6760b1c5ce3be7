//! `sentinelctl query`: run KQL or a saved function offline over log files.

use anyhow::Context as _;

use crate::args::{QueryArgs, QueryFormat};
use crate::exit::ExitStatus;
use crate::ops::query::{QueryRequest, query_offline};
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
    let now = match &args.now {
        Some(t) => parse_time(t, "--now")?,
        None => crate::run::current_time(),
    };
    let req = QueryRequest {
        query,
        data: args.data.clone(),
        now,
    };
    let table = query_offline(cx, &req)?;
    cx.printer.stdout(|out| match args.format {
        QueryFormat::Table => runs::table_text(out, &table),
        QueryFormat::Json => runs::table_json(out, &table),
        QueryFormat::Csv => runs::table_csv(out, &table),
    })?;
    Ok(ExitStatus::Success)
}
