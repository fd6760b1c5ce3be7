//! The real `sentinelctl` binary, as Cargo built it for this test run.
//!
//! [`sentinelctl`] is the command with the environment every test shares (`NO_COLOR=1`);
//! [`run`] adds `--root` and waits for the output. Tests that need more (a working directory
//! instead of `--root`, extra variables, a spawned process) start from [`sentinelctl`].

use std::path::Path;
use std::process::{Command, Output};

/// `sentinelctl` with `NO_COLOR=1`, not yet started.
pub(crate) fn sentinelctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sentinelctl"));
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `sentinelctl --root <root> <args>` to completion.
pub(crate) fn run(root: &Path, args: &[&str]) -> Output {
    sentinelctl()
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sentinelctl {args:?}: {e}"))
}

/// Stdout then stderr, lossily decoded: what a user would see, for assertions and messages.
pub(crate) fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
