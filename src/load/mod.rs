//! Loading: files on disk → spanned YAML trees → raw schema types → models, with diagnostics.
//!
//! Owns reading and parsing. It does not check semantic rules (that is `crate::validate`).

pub mod de;
pub mod file;
pub mod fleet;
pub mod pinned;
pub mod repository;
pub mod watchlist;
pub mod yaml;

pub use file::Loaded;
pub use repository::{
    AutomationFile, FunctionFile, HuntingFile, Repository, RuleFile, TableSchema, WatchlistFile,
    WorkbookFile,
};
