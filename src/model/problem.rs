//! [`Problem`]: a model-level finding tied to a path in the source file, not yet a diagnostic.
//!
//! The model does not know about files or spans; the caller resolves `path` against the spanned
//! YAML tree to locate it.

/// A problem found while interpreting a raw file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// YAML path: mapping keys and sequence indexes as text. Empty = the whole document.
    pub path: Vec<String>,
    /// Lowercase phrase.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: &[&str], message: impl Into<String>) -> Self {
        Self {
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
