//! The [`Diagnostic`] type: one finding, with a stable code, a message and where it is.
//!
//! Message style: a lowercase phrase without a trailing period, identifiers in backticks; the fix
//! goes in `help`. Diagnostics are data; `crate::render` turns them into text, JSON or SARIF.

use std::ops::Range;

use super::FileId;

/// How bad a finding is. Errors fail `validate`; warnings are reported but do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails validation (exit 1).
    Error,
    /// Reported, does not fail validation.
    Warning,
}

/// A secondary location with a short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// File of the secondary location.
    pub file: FileId,
    /// Byte range in that file.
    pub range: Range<usize>,
    /// What this location has to do with the finding.
    pub message: String,
}

/// One finding about the user's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code such as `SC1003`.
    pub code: &'static str,
    /// Kebab-case name of the check, such as `unknown-key`.
    pub name: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// A terse phrase describing the problem.
    pub message: String,
    /// The file the finding is about.
    pub file: FileId,
    /// Byte range in the file; `None` means the whole file.
    pub range: Option<Range<usize>>,
    /// Related locations.
    pub labels: Vec<Label>,
    /// How to fix it, when known.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error diagnostic for a check.
    pub fn error(
        check: (&'static str, &'static str),
        file: FileId,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: check.0,
            name: check.1,
            severity: Severity::Error,
            message: message.into(),
            file,
            range: None,
            labels: Vec::new(),
            help: None,
        }
    }

    /// A new warning diagnostic for a check.
    pub fn warning(
        check: (&'static str, &'static str),
        file: FileId,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(check, file, message)
        }
    }

    /// Sets the byte range.
    #[must_use]
    pub fn at(mut self, range: Range<usize>) -> Self {
        self.range = Some(range);
        self
    }

    /// Sets the byte range when one is known.
    #[must_use]
    pub fn at_opt(mut self, range: Option<Range<usize>>) -> Self {
        self.range = range;
        self
    }

    /// Adds a help text.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help text when one is known.
    #[must_use]
    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Adds a secondary location.
    #[must_use]
    pub fn label(mut self, file: FileId, range: Range<usize>, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            range,
            message: message.into(),
        });
        self
    }

    /// Sort key that makes output deterministic: file, offset, code.
    pub fn sort_key(&self) -> (FileId, usize, &'static str) {
        (
            self.file,
            self.range.as_ref().map_or(0, |r| r.start),
            self.code,
        )
    }
}
