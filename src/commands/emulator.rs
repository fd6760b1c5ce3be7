//! `sentinelctl emulator`: run the ARM emulator until SIGINT/SIGTERM, printing one JSON line
//! (`url`, `token_url`, `ca_file`) once it accepts connections.

use std::time::Duration;

use crate::args::{EmulatorArgs, ThrottleMode};
use crate::exit::ExitStatus;
use crate::ops::runtime;
use crate::session::Session;

/// Runs `emulator`.
pub fn run(cx: &Session, args: &EmulatorArgs) -> anyhow::Result<ExitStatus> {
    // An empty path lets the emulator use (and remove) a temporary directory of its own.
    let data_dir = args.data_dir.clone().unwrap_or_default();
    if !data_dir.as_os_str().is_empty() {
        std::fs::create_dir_all(&data_dir)?;
    }
    let seed_tables = match &args.seed_tables {
        Some(dir) => crate::ops::connection::seed_tables_from(dir, &args.workspaces)?,
        None => Vec::new(),
    };
    let config = arm_emulator::Config {
        listen: args.listen,
        state_file: args.state.clone(),
        data_dir,
        page_size: args.page_size,
        latency: Duration::from_millis(args.latency_ms),
        fault_rate: args.fault_rate,
        drop_rate: args.drop_rate,
        seed: args.seed,
        throttle: args.throttle == ThrottleMode::Arm,
        credentials: args.credentials.clone(),
        http: args.http,
        workspaces: args.workspaces.clone(),
        traffic_dir: args.traffic_dir.clone(),
        seed_tables,
        check_rule_tables: !args.no_table_check,
        ..arm_emulator::Config::default()
    };
    let printer = cx.printer;
    runtime()?
        .block_on(arm_emulator::run_until_signal(config, move |ready| {
            let _ = printer.stdout(|out| writeln!(out, "{}", ready.to_json()));
        }))
        .map_err(|e| anyhow::anyhow!("the emulator stopped: {e}"))?;
    Ok(ExitStatus::Success)
}
