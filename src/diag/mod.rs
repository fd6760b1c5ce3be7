//! Diagnostics: findings about the user's content, with byte ranges into known source files.
//!
//! Owns the data only ([`Diagnostic`], [`SourceDb`]); rendering lives in `crate::render`.
//! Invariant: every range is a byte range into the text stored in the [`SourceDb`] under the
//! diagnostic's [`FileId`]; line and column are computed only when rendering.

pub mod codes;
mod diagnostic;
mod source;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use source::{FileId, LineCol, SourceDb, SourceFile};
