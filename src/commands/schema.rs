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
        SchemaKind::Fleet => return fleet_schema(),
    };
    serde_json::to_value(schema).unwrap_or_default()
}

/// The fleet file's schema: `defaults` and each workspace take the environment file's keys, none
/// of them required on its own (a key may come from either; the merged result is checked by
/// `sentinelctl validate`).
fn fleet_schema() -> serde_json::Value {
    let mut env = serde_json::to_value(schemars::schema_for!(YamlEnvironment)).unwrap_or_default();
    let defs = env
        .as_object_mut()
        .and_then(|o| o.remove("$defs"))
        .unwrap_or_else(|| serde_json::json!({}));
    let mut keys = env.as_object().cloned().unwrap_or_default();
    for drop in ["$schema", "title", "description", "required"] {
        keys.remove(drop);
    }
    keys.insert(
        "description".into(),
        "Environment keys (see environment.schema.json); none is required here.".into(),
    );
    let mut defs = defs.as_object().cloned().unwrap_or_default();
    defs.insert("EnvironmentKeys".into(), serde_json::Value::Object(keys));
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Fleet",
        "description": "A fleet file (`environments/<fleet>.fleet.yaml`): workspaces sharing `defaults`; each entry is merged over them (mappings key by key, other values replaced) into the environment `<fleet>/<name>`.",
        "type": "object",
        "properties": {
            "description": {"description": "What the fleet is, for people.", "type": "string"},
            "defaults": {"$ref": "#/$defs/EnvironmentKeys"},
            "workspaces": {
                "description": "One entry per workspace: its own keys and overrides.",
                "type": "object",
                "propertyNames": {"pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
                "additionalProperties": {"$ref": "#/$defs/EnvironmentKeys"}
            }
        },
        "additionalProperties": false,
        "required": ["workspaces"],
        "$defs": defs,
    })
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
