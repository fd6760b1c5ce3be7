//! Runs the emulator until SIGINT/SIGTERM and prints one JSON line `{url, token_url, ca_file,
//! admin_token}` when ready (the same line `sentinelctl emulator` prints).
//!
//! `cargo run -p arm_emulator --example serve -- [--listen ADDR] [--allow-remote] [--state FILE]
//!  [--data-dir DIR] [--page-size N] [--latency-ms N] [--fault-rate F] [--drop-rate F] [--seed N]
//!  [--throttle arm|off] [--credentials FILE] [--http] [--workspace ARM_ID]... [--traffic-dir DIR]
//!  [--admin-token TOKEN] [--check-rule-tables] [--watchlist-delete-delay-ms N]`
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use arm_emulator::{Config, run_until_signal};

fn parse_args() -> Result<Config, String> {
    let mut c = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--listen" => c.listen = val()?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--state" => c.state_file = Some(PathBuf::from(val()?)),
            "--data-dir" => c.data_dir = PathBuf::from(val()?),
            "--page-size" => {
                c.page_size = val()?.parse().map_err(|e| format!("--page-size: {e}"))?;
            }
            "--latency-ms" => {
                c.latency = Duration::from_millis(
                    val()?.parse().map_err(|e| format!("--latency-ms: {e}"))?,
                );
            }
            "--fault-rate" => {
                c.fault_rate = val()?.parse().map_err(|e| format!("--fault-rate: {e}"))?;
            }
            "--drop-rate" => {
                c.drop_rate = val()?.parse().map_err(|e| format!("--drop-rate: {e}"))?;
            }
            "--seed" => c.seed = val()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--throttle" => {
                c.throttle = match val()?.as_str() {
                    "arm" => true,
                    "off" => false,
                    other => return Err(format!("--throttle: expected arm or off, got {other}")),
                }
            }
            "--credentials" => c.credentials = Some(PathBuf::from(val()?)),
            "--http" => c.http = true,
            "--workspace" => c.workspaces.push(val()?),
            "--traffic-dir" => c.traffic_dir = Some(PathBuf::from(val()?)),
            "--allow-remote" => c.allow_remote = true,
            "--admin-token" => c.admin_token = Some(val()?),
            "--check-rule-tables" => c.check_rule_tables = true,
            "--watchlist-delete-delay-ms" => {
                c.watchlist_delete_delay = Duration::from_millis(
                    val()?
                        .parse()
                        .map_err(|e| format!("--watchlist-delete-delay-ms: {e}"))?,
                );
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(c)
}

#[tokio::main]
async fn main() {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("serve: {e}");
            std::process::exit(2);
        }
    };
    let result = run_until_signal(config, |info| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", info.to_json());
        let _ = out.flush();
    })
    .await;
    if let Err(e) = result {
        eprintln!("serve: {e}");
        std::process::exit(1);
    }
}
