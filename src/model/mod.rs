//! The domain model: what content means, independent of file syntax and ARM wire shapes.
//!
//! Each type is built from its raw file type (`crate::schema`) and from ARM JSON, and turned into
//! ARM JSON; diffs compare these types, never raw text.

pub mod automation;
pub mod duration;
pub mod environment;
pub mod function;
pub mod hunting;
pub mod names;
pub mod problem;
pub mod resource;
pub mod rule;
pub mod text;
pub mod watchlist;
pub mod workbook;

pub use automation::AutomationRule;
pub use duration::Duration;
pub use environment::{Endpoint, Environment};
pub use function::SavedFunction;
pub use hunting::HuntingQuery;
pub use problem::Problem;
pub use resource::{Key, Resource, ResourceKind};
pub use rule::{AnalyticsRule, RuleKind};
pub use watchlist::Watchlist;
pub use workbook::Workbook;

/// An optional text as written, trailing whitespace removed (`""` when absent).
pub(crate) fn trimmed_end(text: Option<&str>) -> String {
    text.unwrap_or_default().trim_end().to_string()
}
