//! Running content on events: the KQL engine (`sentinel_kql_engine`) fed with the repository's saved
//! functions and input rows, and Sentinel's execution model around it.
//!
//! - [`data`]: rows from test cases, JSON Lines and portal CSV exports → engine tables typed by
//!   `schemas/`;
//! - [`sentinel`]: one run of a rule at `T` (window, trigger, grouping, entities, custom details,
//!   alert overrides) and runs on its schedule (suppression);
//! - [`cases`]: a test case's rows, its run and its expectations; the report types;
//! - [`database`]: the engine database of a repository (its functions, the workspace's parsers
//!   pulled into `schemas/functions/`, and tables);
//! - [`rewrite`]: a query made self-contained through its syntax tree (tables → `datatable`s of
//!   the case rows, saved functions inlined, `now()`/`ago()` at the run time), so a real workspace
//!   runs a case exactly as the local engine does; [`workspace`] feeds it a prepared case.

pub mod cases;
pub mod data;
pub mod database;
pub mod rewrite;
pub mod sentinel;
pub mod workspace;

use sentinel_kql_engine::DateTime;

/// The current time (UTC), for `now()` when none is given and for audit records.
pub fn current_time() -> DateTime {
    let ticks = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos() / 100).unwrap_or(i64::MAX));
    DateTime::from_unix_ticks(ticks).unwrap_or(DateTime::UNIX_EPOCH)
}
