//! The set of files a run has read, and byte offset → line/column conversion.
//!
//! Files are added once and never change, so a [`FileId`] stays valid for the whole run.
//! Columns are 1-based and counted in characters (what editors and SARIF show).

use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceDb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(u32);

/// A 1-based line and 1-based character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column in characters, starting at 1.
    pub col: usize,
}

/// One file: its path as shown to the user and its text (lossy UTF-8 when the bytes were not).
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the repository root when possible.
    pub path: PathBuf,
    /// The text; empty for files that could not be read.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            path,
            text,
            line_starts,
        }
    }

    /// Converts a byte offset (clamped to the text) into line and column.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        // A byte-order mark is invisible in editors, so it does not count as a column.
        let bom = if line == 0 && self.text.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        let start = (self.line_starts[line] + bom).min(end);
        let col = self.text[start..end].chars().count() + 1;
        LineCol {
            line: line + 1,
            col,
        }
    }

    /// Byte offset of the start of a 1-based line (clamped to the end of the text).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The text of a 1-based line without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_start(line);
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// All files read during a run.
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    /// Creates an empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<PathBuf>, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 4 billion files"));
        self.files.push(SourceFile::new(path.into(), text));
        id
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The path of a file as shown to the user.
    pub fn path(&self, id: FileId) -> &Path {
        &self.get(id).path
    }

    /// Finds a file by path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(u32::try_from(i).expect("checked on insert")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let mut db = SourceDb::new();
        let id = db.add("a.yaml", "ab\ncé d\n".to_string());
        let f = db.get(id);
        assert_eq!(f.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, col: 1 });
        // byte 6 is the space after the two-byte `é`
        assert_eq!(f.line_col(6), LineCol { line: 2, col: 3 });
        assert_eq!(f.line_col(999), LineCol { line: 3, col: 1 });
        assert_eq!(f.line_text(2), "cé d");
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let mut db = SourceDb::new();
        let id = db.add("a.yaml", "\u{feff}idd: 1\nb: 2\n".to_string());
        let f = db.get(id);
        assert_eq!(f.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 1, col: 1 });
        assert_eq!(f.line_col(4), LineCol { line: 1, col: 2 });
        assert_eq!(f.line_col(10), LineCol { line: 2, col: 1 });
    }
}
