//! The shared harness of the `integration` test binary: every helper the test modules use is
//! written once, here, and named after what it does.
//!
//! - [`paths`]: the checkout ([`root`]) and the test data beside it ([`shared`], which fails
//!   loudly when `../shared` is missing instead of letting a test pass on nothing);
//! - [`repo`]: [`TempRepo`], a temporary repository root made of copies of content folders,
//!   with file edits ([`set_line`]), the `sentinelctl` runner bound to it and the emulator
//!   state-file editor;
//! - [`binary`]: the real `sentinelctl` binary ([`sentinelctl`], [`run`]) and [`text`];
//! - [`emulator`]: guards that stop an emulator when a test ends, passing or not
//!   ([`EmulatorGuard`] in process, [`ChildEmulator`] as a `sentinelctl emulator` process);
//! - [`git`]: Git in a temporary repository with a fixed identity;
//! - [`copy`]: copying content trees ([`copy::copy_dir`], [`copy_files`]);
//! - [`golden`]: [`assert_golden`], the one place that reads `UPDATE_GOLDEN`.
//!
//! It holds no test logic and asserts nothing about the product: a helper that cannot do its
//! job (a missing fixture, a failed copy) panics with the path it was working on.

pub(crate) mod binary;
pub(crate) mod copy;
pub(crate) mod emulator;
pub(crate) mod git;
pub(crate) mod golden;
pub(crate) mod paths;
pub(crate) mod repo;

pub(crate) use binary::{run, sentinelctl, text};
pub(crate) use copy::{copy_files, copy_files_prefixed};
pub(crate) use emulator::{ChildEmulator, EmulatorGuard, custom_tables};
pub(crate) use git::git;
pub(crate) use golden::assert_golden;
pub(crate) use paths::{root, shared};
pub(crate) use repo::{TempRepo, set_line};

#[cfg(test)]
mod tests {
    use super::root;

    /// With `autotests = false`, a `tests/*.rs` file that `tests/tests.rs` does not declare is
    /// never compiled: its tests would silently not run.
    #[test]
    fn every_test_file_is_a_module_of_the_one_binary() {
        let main = std::fs::read_to_string(root().join("tests/tests.rs")).unwrap();
        let declared: Vec<&str> = main
            .lines()
            .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';'))
            .collect();
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(root().join("tests")).unwrap().flatten() {
            let path = entry.path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let module =
                path.extension().is_some_and(|x| x == "rs") || path.join("mod.rs").is_file();
            if module && stem != "tests" && !declared.contains(&stem) {
                missing.push(path.display().to_string());
            }
        }
        missing.sort();
        assert!(
            missing.is_empty(),
            "not part of the `integration` test binary, so never run: {missing:?}\n\
             help: add `mod <name>;` to tests/tests.rs"
        );
        assert!(
            declared.contains(&"support") && declared.len() >= 9,
            "{declared:?}"
        );
    }
}
