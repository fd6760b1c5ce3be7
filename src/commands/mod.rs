//! One module per command: each turns arguments into one library call and hands the result to
//! a renderer (cargo's `commands/*.rs`).

pub mod apply;
pub mod completions;
pub mod drift;
pub mod emulator;
pub mod explain;
pub mod import;
pub mod plan;
pub mod plugin;
pub mod promote;
pub mod schema;
pub mod validate;
