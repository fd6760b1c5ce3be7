//! `sentinelctl schema --kind K`: the JSON Schema of a content file kind, generated from the
//! raw Rust types so it can never disagree with the loader.

use crate::args::{SchemaArgs, SchemaKind};
use crate::exit::ExitStatus;
use crate::schema::{
    YamlAutomationRule, YamlEnvironment, YamlFunction, YamlHuntingQuery, YamlRule, YamlTestFile,
    YamlWatchlist, YamlWorkbook,
};
use crate::session::Session;

/// The schema document for a kind.
pub fn schema_for(kind: SchemaKind) -> serde_json::Value {
    let schema = match kind {
        SchemaKind::Detection => schemars::schema_for!(YamlRule),
        SchemaKind::Function => schemars::schema_for!(YamlFunction),
        SchemaKind::Workbook => schemars::schema_for!(YamlWorkbook),
        SchemaKind::Watchlist => schemars::schema_for!(YamlWatchlist),
        SchemaKind::HuntingQuery => schemars::schema_for!(YamlHuntingQuery),
        SchemaKind::AutomationRule => schemars::schema_for!(YamlAutomationRule),
        SchemaKind::Environment => schemars::schema_for!(YamlEnvironment),
        SchemaKind::Test => schemars::schema_for!(YamlTestFile),
    };
    serde_json::to_value(schema).unwrap_or_default()
}

/// Runs `schema`.
pub fn run(cx: &Session, args: &SchemaArgs) -> anyhow::Result<ExitStatus> {
    let schema = schema_for(args.kind);
    cx.printer.stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, &schema)?;
        writeln!(out)
    })?;
    Ok(ExitStatus::Success)
}
