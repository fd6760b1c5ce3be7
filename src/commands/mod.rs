//! One module per command: each maps its arguments onto an operation's request, makes one call
//! into [`crate::ops`] and hands the result to a renderer (cargo's `commands/*.rs`).

pub mod apply;
pub mod completions;
mod connect;
pub mod coverage;
pub mod doctor;
pub mod drift;
pub mod emulator;
pub mod explain;
pub mod import;
pub mod plan;
pub mod plugin;
pub mod promote;
pub mod query;
pub mod schema;
pub mod schemas;
pub mod simulate;
pub mod test;
pub mod validate;

pub use connect::connect_options;
