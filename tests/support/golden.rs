//! Golden files: output compared byte for byte with a committed file under the checkout.
//!
//! `UPDATE_GOLDEN=1 cargo test --test integration` rewrites the golden files instead of
//! comparing, so an intended change is one command and a reviewed diff. This is the only place
//! the harness reads a process variable for that switch.

use std::path::Path;

use super::paths::root;

/// Asserts that `actual` equals the golden file `relative` (a path under the checkout), or
/// rewrites that file when `UPDATE_GOLDEN=1`. A difference fails with a line diff.
pub(crate) fn assert_golden(relative: &str, actual: &str) {
    check(&root().join(relative), actual, update_requested());
}

#[allow(clippy::disallowed_methods)] // the test suite's own switch, not a product setting
fn update_requested() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

fn check(path: &Path, actual: &str, update: bool) {
    if update {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "golden file {} cannot be read ({e}); UPDATE_GOLDEN=1 writes it",
            path.display()
        )
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .context_radius(2)
            .header("golden", "actual")
            .to_string();
        panic!(
            "the output differs from {}; rerun with UPDATE_GOLDEN=1 if the change is intended\n{diff}",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "+changed")]
    fn a_difference_fails_with_a_diff() {
        let dir = tempfile::tempdir().unwrap();
        let golden = dir.path().join("out.txt");
        std::fs::write(&golden, "same\n").unwrap();
        check(&golden, "same\nchanged\n", false);
    }

    #[test]
    fn update_writes_the_golden_file() {
        let dir = tempfile::tempdir().unwrap();
        let golden = dir.path().join("new/out.txt");
        check(&golden, "fresh\n", true);
        assert_eq!(std::fs::read_to_string(&golden).unwrap(), "fresh\n");
        check(&golden, "fresh\n", false);
    }
}
