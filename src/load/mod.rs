//! Loading: files on disk → spanned YAML trees → raw schema types, with diagnostics.
//!
//! Owns reading and parsing. It does not interpret content (that is `crate::model`) and does not
//! check semantic rules (that is `crate::validate`).

pub mod de;
pub mod yaml;
