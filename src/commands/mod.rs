//! One module per command: each turns arguments into one library call and hands the result to
//! a renderer (cargo's `commands/*.rs`).

pub mod completions;
pub mod explain;
pub mod schema;
pub mod validate;
