//! ARM emulators that stop when the test ends, whether it passes or panics.
//!
//! - [`EmulatorGuard`]: an in-process `arm_emulator` with its CA certificate in a temporary
//!   folder the guard owns. A bare `arm_emulator::Emulator` dropped by a failing assertion
//!   (instead of awaited with `shutdown`) leaves its `arm-emulator-*` folder in the system temp
//!   dir; under the guard the folder goes with the guard and the server stops accepting.
//! - [`ChildEmulator`]: a `sentinelctl emulator` process, killed and reaped on drop, so a
//!   failing test cannot leave a server running after the test binary exits.

use std::io::BufRead;
use std::ops::Deref;
use std::path::Path;
use std::process::{Child, Stdio};

use arm_emulator::{Config, Emulator};

use super::binary::sentinelctl;

/// An in-process emulator; derefs to [`Emulator`] for its URL, faults and snapshot.
pub(crate) struct EmulatorGuard {
    emulator: Option<Emulator>,
    _data_dir: tempfile::TempDir,
}

impl EmulatorGuard {
    /// Starts `config` with `data_dir` set to a folder this guard owns.
    pub(crate) async fn start(mut config: Config) -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary folder for the emulator");
        config.data_dir = data_dir.path().to_path_buf();
        let emulator = arm_emulator::start(config)
            .await
            .unwrap_or_else(|e| panic!("the emulator does not start: {e}"));
        Self {
            emulator: Some(emulator),
            _data_dir: data_dir,
        }
    }

    /// Stops accepting, lets open connections finish and flushes the state file.
    pub(crate) async fn shutdown(mut self) {
        if let Some(emulator) = self.emulator.take() {
            emulator.shutdown().await;
        }
    }
}

impl Deref for EmulatorGuard {
    type Target = Emulator;

    fn deref(&self) -> &Emulator {
        self.emulator
            .as_ref()
            .expect("only `shutdown` takes the emulator")
    }
}

/// `--arm-endpoint`, `--authority-host` and `--ca-file` for an emulator serving HTTPS: what a
/// command needs to reach it instead of the environment's own endpoints.
pub(crate) fn connect_args(emulator: &Emulator) -> Vec<String> {
    let ca = emulator
        .ca_file()
        .expect("the emulator serves HTTPS")
        .display()
        .to_string();
    vec![
        "--arm-endpoint".into(),
        emulator.url().to_string(),
        "--authority-host".into(),
        emulator.url().to_string(),
        "--ca-file".into(),
        ca,
    ]
}

/// The repository's custom (`_CL`) tables in `schemas/`, with their columns as the Tables API
/// spells the types: what an emulator workspace needs to look like the connectors are installed.
pub(crate) fn custom_tables() -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let dir = super::paths::root().join("schemas");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let Some(table) = name.strip_suffix(".json").filter(|t| t.ends_with("_CL")) else {
            continue;
        };
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let columns = schema["Properties"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no Properties", path.display()))
            .iter()
            .map(|c| {
                let ty = match c["Type"]
                    .as_str()
                    .unwrap_or("string")
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "datetime" => "dateTime",
                    "bool" | "boolean" => "boolean",
                    "double" | "real" => "real",
                    "int" => "int",
                    "long" => "long",
                    "guid" => "guid",
                    "dynamic" => "dynamic",
                    _ => "string",
                };
                (
                    c["Name"].as_str().unwrap_or_default().to_string(),
                    ty.to_string(),
                )
            })
            .collect();
        out.push((table.to_string(), columns));
    }
    out
}

// Dropping the `Emulator` drops its shutdown channel, which ends the accept loop; dropping the
// `TempDir` removes the CA certificate. Nothing else is needed, so there is no `Drop` impl.

/// A `sentinelctl emulator` process that has printed its ready line.
pub(crate) struct ChildEmulator {
    child: Child,
    /// Base URL: ARM endpoint and authority host.
    pub(crate) url: String,
    /// The CA certificate clients must trust.
    pub(crate) ca_file: String,
}

impl ChildEmulator {
    /// Runs `sentinelctl emulator <args> --data-dir <data_dir>` and waits for its ready line.
    pub(crate) fn spawn(args: &[&str], data_dir: &Path) -> Self {
        let mut child = sentinelctl()
            .arg("emulator")
            .args(args)
            .arg("--data-dir")
            .arg(data_dir)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sentinelctl emulator: {e}"));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout is piped");
        let read = std::io::BufReader::new(stdout).read_line(&mut line);
        // From here on a panic drops `guard`, which stops the process.
        let mut guard = Self {
            child,
            url: String::new(),
            ca_file: String::new(),
        };
        read.unwrap_or_else(|e| panic!("reading the emulator's ready line: {e}"));
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the emulator's ready line is not JSON ({e}): {line:?}"));
        let field = |name: &str| {
            ready[name]
                .as_str()
                .unwrap_or_else(|| panic!("no `{name}` in the ready line {line:?}"))
                .to_string()
        };
        guard.url = field("url");
        guard.ca_file = field("ca_file");
        guard
    }

    /// `--arm-endpoint URL --authority-host URL --ca-file CA`, to append to a command line.
    pub(crate) fn connect_args(&self) -> [String; 6] {
        [
            "--arm-endpoint".into(),
            self.url.clone(),
            "--authority-host".into(),
            self.url.clone(),
            "--ca-file".into(),
            self.ca_file.clone(),
        ]
    }
}

impl Drop for ChildEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `host:port` of an `https://host:port` URL.
    fn authority(url: &str) -> &str {
        url.split_once("://")
            .map_or(url, |(_, rest)| rest)
            .trim_end_matches('/')
    }

    const WS: &str = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_in_process_guard_removes_the_emulators_files() {
        let guard = EmulatorGuard::start(Config {
            workspaces: vec![WS.to_string()],
            ..Config::default()
        })
        .await;
        let ca: std::path::PathBuf = guard.ca_file().expect("HTTPS has a CA").to_path_buf();
        assert!(ca.is_file());
        drop(guard);
        assert!(!ca.exists(), "{} outlived the emulator", ca.display());
    }

    #[test]
    fn a_dropped_child_emulator_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let emulator = ChildEmulator::spawn(&["--workspace", WS], &dir.path().join("emu"));
        let addr = authority(&emulator.url).to_string();
        assert!(
            std::net::TcpStream::connect(&addr).is_ok(),
            "{addr} accepts"
        );
        drop(emulator);
        assert!(
            std::net::TcpStream::connect(&addr).is_err(),
            "{addr} still accepts after the guard was dropped"
        );
    }
}
