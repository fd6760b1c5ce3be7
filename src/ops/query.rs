//! `query`: run KQL (text, a file, or a saved function call such as `OnePasswordFailedSignIns(7d)`)
//! offline over log files on the built-in engine, with the repository's functions callable.

use sentinel_kql_engine::{DateTime, Options, Table};

use super::simulate::{DataFiles, database_with};
use super::target::load;
use crate::session::Session;

/// What to run.
#[derive(Debug, Clone)]
pub struct QueryRequest {
    /// The query.
    pub query: String,
    /// Log files per table.
    pub data: DataFiles,
    /// `now()`.
    pub now: DateTime,
}

/// Runs `req` offline.
pub fn query_offline(cx: &Session, req: &QueryRequest) -> anyhow::Result<Table> {
    let repo = load(cx)?;
    let db = database_with(&repo, &req.data, req.now)?;
    sentinel_kql_engine::evaluate(&req.query, &db, &Options::at(req.now)).map_err(|e| {
        let hint = e.hint.map(|h| format!("\nhelp: {h}")).unwrap_or_default();
        anyhow::anyhow!("{}{hint}", e.message)
    })
}
