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

/// The closest candidate to `given`: same letters ignoring case, or a small edit distance.
pub fn suggest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(given)) {
        return Some(c);
    }
    candidates
        .iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&given.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                *c,
            )
        })
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
