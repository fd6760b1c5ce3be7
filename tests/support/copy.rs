//! Copying content trees into temporary repositories.
//!
//! Two shapes, one implementation: [`copy_dir`] copies a whole tree (what a checkout holds);
//! [`copy_files`] copies only the regular files directly inside a folder (Azure-Sentinel's
//! `Analytics Rules/` has an `arm/` subfolder that must not become `detections/arm/`).
//! [`copy_files_prefixed`] also prefixes each name, to merge many fixtures into one folder.

use std::path::Path;

/// Copies the tree `from` into `to` (created if needed).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    copy(from, to, Depth::Tree, "");
}

/// Copies the regular files directly inside `from` into `to`; subfolders are left out.
pub(crate) fn copy_files(from: &Path, to: &Path) {
    copy(from, to, Depth::Files, "");
}

/// [`copy_files`], naming each copy `<prefix><name>`.
pub(crate) fn copy_files_prefixed(from: &Path, to: &Path, prefix: &str) {
    copy(from, to, Depth::Files, prefix);
}

#[derive(Clone, Copy, PartialEq)]
enum Depth {
    Tree,
    Files,
}

fn copy(from: &Path, to: &Path, depth: Depth, prefix: &str) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
        let source = entry.path();
        let target = to.join(format!("{prefix}{}", entry.file_name().to_string_lossy()));
        if source.is_dir() {
            if depth == Depth::Tree {
                copy(&source, &target, depth, "");
            }
        } else {
            std::fs::copy(&source, &target).unwrap_or_else(|e| {
                panic!("copy {} to {}: {e}", source.display(), target.display())
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_keep_subfolders_and_files_leave_them_out() {
        let from = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(from.path().join("sub")).unwrap();
        std::fs::write(from.path().join("a.yaml"), "a").unwrap();
        std::fs::write(from.path().join("sub/b.yaml"), "b").unwrap();
        let to = tempfile::tempdir().unwrap();
        copy_dir(from.path(), &to.path().join("tree"));
        assert_eq!(
            std::fs::read_to_string(to.path().join("tree/sub/b.yaml")).unwrap(),
            "b"
        );
        copy_files_prefixed(from.path(), &to.path().join("flat"), "x-");
        assert_eq!(
            std::fs::read_to_string(to.path().join("flat/x-a.yaml")).unwrap(),
            "a"
        );
        assert!(!to.path().join("flat/x-sub").exists());
        assert!(!to.path().join("flat/sub").exists());
    }
}
