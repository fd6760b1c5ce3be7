//! [`Problem`]: a model-level finding tied to a path in the source file, not yet a diagnostic.
//!
//! The model does not know about files or spans; the caller resolves `path` against the spanned
//! YAML tree to locate it. Each problem carries the check it belongs to, so the caller never has
//! to guess the code from the message.

use crate::diag::codes::Check;

/// A problem found while interpreting a raw file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The check (code and name) that found it.
    pub check: Check,
    /// YAML path: mapping keys and sequence indexes as text. Empty = the whole document.
    pub path: Vec<String>,
    /// Lowercase phrase.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    /// A problem of `check` at `path`.
    pub fn new(check: Check, path: &[&str], message: impl Into<String>) -> Self {
        Self {
            check,
            path: path.iter().map(|s| (*s).to_string()).collect(),
            message: message.into(),
            help: None,
        }
    }

    /// Adds a help text.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
