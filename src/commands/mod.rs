//! One module per command: each maps its arguments onto an operation's request, makes one call
//! into [`crate::ops`] and hands the result to a renderer (cargo's `commands/*.rs`).

pub mod apply;
pub mod completions;
mod connect;
pub mod coverage;
pub mod doctor;
pub mod drift;
pub mod emulator;
pub mod explain;
pub mod import;
pub mod plan;
pub mod plugin;
pub mod promote;
pub mod query;
pub mod schema;
pub mod schemas;
pub mod simulate;
pub mod test;
pub mod validate;

pub use connect::connect_options;

/// `--report-dir DIR` of plan/apply over a fleet: `fleet-COMMAND.md`, `.junit.xml` and `.json`.
fn write_fleet_reports(
    dir: &std::path::Path,
    mode: crate::ops::fleet::FleetMode,
    outcomes: &[crate::ops::fleet::FleetOutcome],
) -> anyhow::Result<()> {
    use crate::render::fleet;
    use anyhow::Context as _;
    type Render = fn(
        &mut dyn std::io::Write,
        crate::ops::fleet::FleetMode,
        &[crate::ops::fleet::FleetOutcome],
    ) -> std::io::Result<()>;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let stem = match mode {
        crate::ops::fleet::FleetMode::Plan => "fleet-plan",
        crate::ops::fleet::FleetMode::Apply => "fleet-apply",
    };
    for (ext, render) in [
        ("md", fleet::markdown as Render),
        ("junit.xml", fleet::junit),
        ("json", fleet::json),
    ] {
        let mut bytes = Vec::new();
        render(&mut bytes, mode, outcomes)?;
        crate::ops::files::write_file_atomically(&dir.join(format!("{stem}.{ext}")), &bytes)?;
    }
    Ok(())
}
