//! Operations: one module per thing sentinelctl does, each taking a request struct and returning
//! data (cargo's `ops`). Commands map arguments onto a request, call one operation and hand the
//! result to a renderer; operations never print (interaction goes through the hooks they take).
//!
//! | module | operation |
//! |---|---|
//! | [`validate`] | load the repository and run every offline check |
//! | [`plan`] | diff the repository against a workspace |
//! | [`apply`] | plan (or take a saved plan) and write the difference |
//! | [`drift`] | classify how workspaces differ from the repository (read-only) |
//! | [`fleet`] | `plan`/`apply` over many environments, each workspace failing alone |
//! | [`fair_queue`] | which workspace of a fleet starts next: the least busy subscription first |
//! | [`selection`] | which environments `--env` names: names, folders, globs and fleet files |
//! | [`import`] | write a workspace's content as repository files |
//! | [`promote`] | pin into one environment what is verified and live in another |
//! | [`simulate`] | replay log files through the detections on their schedule |
//! | [`query`] | run KQL or a saved function over log files |
//! | [`coverage`] | the ATT&CK techniques the detections cover (repository, or deployed and enabled) |
//! | [`test`] | run the test cases beside detections and skills on the KQL engine |
//! | [`schemas`] | pull a workspace's table schemas and parsers into `schemas/` |
//! | [`doctor`] | check what a working deployment needs, in order, with the fix for each failure |
//!
//! Shared steps: [`target`] (repository + environment + desired state, validated once) and
//! [`connection`] (the invoker's connect options → an authenticated client, trust boundary included).

pub mod apply;
pub mod connection;
pub mod coverage;
pub mod doctor;
pub mod drift;
pub mod fair_queue;
pub mod files;
pub mod fleet;
pub mod import;
pub mod plan;
pub mod promote;
pub mod query;
pub mod schemas;
pub mod selection;
pub mod simulate;
pub mod target;
pub mod test;
pub mod validate;

use anyhow::Context as _;

pub use connection::{ConnectOptions, Connection};
pub use target::{InvalidContent, Target};

/// A multi-threaded tokio runtime for the operations that talk to ARM.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
