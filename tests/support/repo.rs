//! [`TempRepo`]: a repository root in a temporary folder, removed when the test ends.
//!
//! Built from copies of content folders ([`TempRepo::shipped`] for the content this checkout
//! ships, [`TempRepo::copy_of`] for any folders of any root, [`TempRepo::empty`] to write files
//! by hand), then edited with [`TempRepo::write`] and [`set_line`], run with
//! [`TempRepo::run`], and inspected through the embedded emulator's state file
//! ([`TempRepo::state`], [`TempRepo::edit_state`]), which is how the drift tests play a portal
//! user changing the workspace. Each test gets its own copy, so emulator state never leaks
//! between tests (`.sentinelctl/local-state.json` lives inside the copy).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use super::binary;
use super::copy::copy_dir;
use super::paths::root;

/// The content folders the checkout ships, as `sentinelctl` reads them.
const SHIPPED: [&str; 9] = [
    "detections",
    "functions",
    "workbooks",
    "watchlists",
    "hunting",
    "automation",
    "environments",
    "schemas",
    "samples",
];

/// Where the embedded emulator keeps the workspaces of `--env local`-style environments.
const STATE_FILE: &str = ".sentinelctl/local-state.json";

/// A temporary repository root.
pub(crate) struct TempRepo {
    dir: tempfile::TempDir,
}

impl TempRepo {
    /// An empty folder.
    pub(crate) fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// Copies of the shipped content folders (`detections`, `functions`, `workbooks`,
    /// `watchlists`, `hunting`, `automation`, `environments`, `schemas`, `samples`).
    pub(crate) fn shipped() -> Self {
        Self::copy_of(root(), &SHIPPED)
    }

    /// Copies of `folders` (whole trees) of the repository at `from`.
    pub(crate) fn copy_of(from: &Path, folders: &[&str]) -> Self {
        let repo = Self::empty();
        for folder in folders {
            copy_dir(&from.join(folder), &repo.join(folder));
        }
        repo
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `relative` inside the repository.
    pub(crate) fn join(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Reads `relative` as UTF-8.
    pub(crate) fn read(&self, relative: &str) -> String {
        let path = self.join(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Writes `relative`, creating its folder.
    pub(crate) fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        let path = self.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Runs `sentinelctl --root <this repository> <args>`.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        binary::run(self.path(), args)
    }

    /// Runs `sentinelctl` here against `emulator` (its URL for ARM and sign-in, its CA).
    pub(crate) fn run_on(&self, emulator: &arm_emulator::Emulator, args: &[&str]) -> Output {
        let connect = super::emulator::connect_args(emulator);
        let mut all: Vec<&str> = args.to_vec();
        all.extend(connect.iter().map(String::as_str));
        self.run(&all)
    }

    /// The embedded emulator's state file (every workspace the local environments reach).
    pub(crate) fn state(&self) -> Value {
        let text = self.read(STATE_FILE);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{STATE_FILE} is not JSON: {e}"))
    }

    /// Edits the emulator's state file the way a portal user would change the workspace.
    pub(crate) fn edit_state(&self, edit: impl FnOnce(&mut Value)) {
        let mut state = self.state();
        edit(&mut state);
        let text = serde_json::to_string_pretty(&state).expect("JSON values serialise");
        self.write(STATE_FILE, text);
    }
}

/// Replaces every line of `file` that starts with `prefix` by `line` (the file ends with `\n`).
pub(crate) fn set_line(file: &Path, prefix: &str, line: &str) {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
    let edited: Vec<&str> = text
        .lines()
        .map(|l| if l.starts_with(prefix) { line } else { l })
        .collect();
    std::fs::write(file, edited.join("\n") + "\n")
        .unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
}
