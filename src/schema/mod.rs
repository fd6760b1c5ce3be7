//! Raw shapes of the content files, exactly as written (serde only, no logic).
//!
//! These types mirror the YAML formats documented in `docs/content-format.md`. They reject
//! unknown keys; values are kept close to the text (strings for durations, enums and ids) so that
//! every well-formed file loads and value problems become located diagnostics in
//! `crate::validate`, not load failures. `crate::model` turns them into domain types.

mod automation;
pub mod csv;
mod environment;
mod function;
mod hunting;
mod lock;
mod rule;
mod test;
mod watchlist;
mod workbook;

pub use automation::{YamlAutomationAction, YamlAutomationRule, YamlTriggeringLogic};
pub use environment::{
    YamlAuth, YamlEndpoints, YamlEnvironment, YamlOverride, YamlOverrides, YamlPrune, YamlSelector,
    YamlWatchlistOverride,
};
pub use function::{YamlFunction, YamlFunctionInfo, YamlParam, YamlSkill, YamlSkillInput};
pub use hunting::YamlHuntingQuery;
pub use lock::{YamlLock, YamlLockItem};
pub use rule::{INCIDENT_CREATION_KEYS, QUERY_ONLY_KEYS};
pub use rule::{
    YamlAlertDetailsOverride, YamlDynamicProperty, YamlEntityMapping, YamlEventGrouping,
    YamlFieldMapping, YamlGrouping, YamlIncidentConfig, YamlRequiredConnector, YamlRule,
    YamlSentinelEntityMapping,
};
pub use test::{YamlData, YamlExpect, YamlTestCase, YamlTestFile};
pub use watchlist::YamlWatchlist;
pub use workbook::YamlWorkbook;
