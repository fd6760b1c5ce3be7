//! Reading one content file into its raw type: bytes → UTF-8 → spanned YAML → serde struct.
//!
//! Every problem becomes a located [`Diagnostic`]; nothing here panics on any input (the fuzz
//! target `fuzz/fuzz_targets/load_rule.rs` drives [`parse_yaml_file`]).

use std::path::Path;

use serde::de::DeserializeOwned;

use super::de::{DeErrorKind, from_node};
use super::yaml::{self, Node, YamlProblem};
use crate::diag::codes;
use crate::diag::{Diagnostic, FileId, SourceDb};

/// Largest content file read (4 MiB).
pub const MAX_FILE_BYTES: usize = 4 << 20;

/// A parsed file: its id in the [`SourceDb`], its spanned tree and its raw typed value.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    /// The file.
    pub file: FileId,
    /// The spanned YAML tree, for locating later findings.
    pub doc: Node,
    /// The typed value.
    pub raw: T,
}

impl<T> Loaded<T> {
    /// Span of the value at `path` (or the deepest existing parent).
    pub fn span(&self, path: &[&str]) -> std::ops::Range<usize> {
        self.doc.best_span(path)
    }
}

/// Why a content file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file: what it is ("a symbolic link", "a directory", …).
    NotRegular(&'static str),
    /// Larger than [`MAX_FILE_BYTES`] (its size).
    TooLarge(u64),
    /// The read failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            Self::TooLarge(n) => write!(
                f,
                "it is {n} bytes, more than the {MAX_FILE_BYTES} sentinelctl reads"
            ),
            Self::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What a path is, without following a symbolic link (`None`: it does not exist).
pub fn entry_kind(path: &Path) -> Option<&'static str> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let t = meta.file_type();
    Some(if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a special file (FIFO, socket or device)"
    })
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`]: symbolic links are never followed (a pull
/// request could point one at `/etc/passwd` or `/dev/zero`), and the size is checked from the
/// metadata before reading, and again while reading.
pub fn read_regular_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    match entry_kind(path) {
        Some("a regular file") => {}
        Some(other) => return Err(ReadError::NotRegular(other)),
        None => {
            return Err(ReadError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            )));
        }
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular("not a regular file any more"));
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read_regular_bytes`] as UTF-8 text.
pub fn read_regular(path: &Path) -> Result<String, ReadError> {
    String::from_utf8(read_regular_bytes(path)?)
        .map_err(|e| ReadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Reads a file into the source database; `None` when it cannot be read or decoded.
pub fn read_source(
    sources: &mut SourceDb,
    path: &Path,
    shown: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<FileId> {
    let bytes = match read_regular_bytes(path) {
        Ok(b) => b,
        Err(e) => {
            let file = sources.add(shown, String::new());
            diags.push(match e {
                ReadError::NotRegular(_) => Diagnostic::error(
                    codes::NOT_REGULAR,
                    file,
                    format!("not read: {e}"),
                )
                .help("content folders hold regular files only; replace the link or special file with the file itself"),
                ReadError::TooLarge(_) => Diagnostic::error(
                    codes::FILE_TOO_LARGE,
                    file,
                    format!("not read: {e}"),
                )
                .help("content files are small; move data files out of the content folders"),
                ReadError::Io(_) => Diagnostic::error(
                    codes::UNREADABLE,
                    file,
                    format!("cannot read the file: {e}"),
                ),
            });
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(sources.add(shown, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let file = sources.add(shown, text);
            diags.push(
                Diagnostic::error(
                    codes::NOT_UTF8,
                    file,
                    format!("the file is not UTF-8 (invalid byte at offset {at})"),
                )
                .at(at..at)
                .help("re-save the file as UTF-8"),
            );
            None
        }
    }
}

/// Parses an already-read file into `T`.
pub fn parse_yaml_file<T: DeserializeOwned>(
    sources: &SourceDb,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Option<Loaded<T>> {
    let doc = parse_yaml_doc(sources, file, diags)?;
    deserialize_doc(file, doc, diags)
}

/// Parses an already-read file into its spanned tree: one document whose top is a mapping.
pub fn parse_yaml_doc(
    sources: &SourceDb,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node> {
    let text = sources.get(file).text.as_str();
    let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let (root, problems) = yaml::parse(&text[body_start..]);
    let shift = |r: std::ops::Range<usize>| r.start + body_start..r.end + body_start;
    let mut fatal = false;
    for p in problems {
        diags.push(match p {
            YamlProblem::Syntax { offset, message } => {
                fatal = true;
                Diagnostic::error(codes::YAML_SYNTAX, file, format!("invalid YAML: {message}"))
                    .at(shift(offset..offset))
            }
            YamlProblem::DuplicateKey { key, span, first } => {
                Diagnostic::error(codes::DUPLICATE_KEY, file, format!("duplicate key `{key}`"))
                    .at(shift(span))
                    .label(file, shift(first), "first defined here")
                    .help("remove one of the two")
            }
            YamlProblem::MultipleDocuments { offset } => {
                fatal = true;
                Diagnostic::error(
                    codes::YAML_SYNTAX,
                    file,
                    "more than one YAML document in the file",
                )
                .at(shift(offset..offset))
                .help("keep one document per file")
            }
        });
    }
    if fatal {
        return None;
    }
    let Some(mut doc) = root.filter(|r| !r.is_null()) else {
        diags.push(
            Diagnostic::error(codes::EMPTY_FILE, file, "the file is empty")
                .help("add content or delete the file"),
        );
        return None;
    };
    shift_spans(&mut doc, body_start);
    if doc.get("$schema").is_some() && doc.get("resources").is_some() {
        diags.push(
            Diagnostic::error(
                codes::NOT_A_RULE,
                file,
                "this is an ARM template, not a content file in the Azure-Sentinel YAML format",
            )
            .at(doc.key_span(&["resources"]).unwrap_or(0..0))
            .help("convert it with `sentinelctl import`, or move it out of the content folder"),
        );
        return None;
    }
    if !matches!(doc.value, yaml::Value::Map(_)) {
        diags.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                file,
                "expected a mapping of keys at the top of the file",
            )
            .at(doc.span.clone()),
        );
        return None;
    }
    Some(doc)
}

/// Reads a spanned tree (a whole file, or one assembled from parts of a file, see
/// `super::fleet`) into `T`; a problem becomes a diagnostic at the span of the node it is about.
pub fn deserialize_doc<T: DeserializeOwned>(
    file: FileId,
    doc: Node,
    diags: &mut Vec<Diagnostic>,
) -> Option<Loaded<T>> {
    match from_node::<T>(&doc) {
        Ok(raw) => Some(Loaded { file, doc, raw }),
        Err(e) => {
            let check = match e.kind {
                DeErrorKind::UnknownKey => codes::UNKNOWN_KEY,
                DeErrorKind::MissingKey => codes::MISSING_KEY,
                DeErrorKind::InvalidValue => codes::INVALID_VALUE,
            };
            let span = e.span.clone().unwrap_or(doc.span.clone());
            let span = if e.kind == DeErrorKind::MissingKey {
                span.start..span.start
            } else {
                span
            };
            diags.push(
                Diagnostic::error(check, file, e.message)
                    .at(span)
                    .help_opt(e.help),
            );
            None
        }
    }
}

fn shift_spans(node: &mut Node, by: usize) {
    if by == 0 {
        return;
    }
    node.span = node.span.start + by..node.span.end + by;
    match &mut node.value {
        yaml::Value::Seq(items) => items.iter_mut().for_each(|n| shift_spans(n, by)),
        yaml::Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift_spans(k, by);
            shift_spans(v, by);
        }),
        yaml::Value::Scalar(..) => {}
    }
}

/// Reads and parses a file in one step.
pub fn load_yaml_file<T: DeserializeOwned>(
    sources: &mut SourceDb,
    path: &Path,
    shown: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<Loaded<T>> {
    let file = read_source(sources, path, shown, diags)?;
    parse_yaml_file(sources, file, diags)
}
