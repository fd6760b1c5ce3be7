//! Writing files into the repository safely: all or nothing (every file is staged next to its
//! target, then all are renamed into place), never through a symbolic link (every existing
//! ancestor must be a directory, every existing target a regular file), only plain relative paths.
//! Used by `import` and `schemas pull`, whose file names come from workspace data.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, bail};

/// A path relative to `out` made of normal components only.
fn relative(path: &Path) -> anyhow::Result<()> {
    if path.components().all(|c| matches!(c, Component::Normal(_))) {
        Ok(())
    } else {
        bail!(
            "refusing to write `{}`: not a plain relative path",
            path.display()
        )
    }
}

/// Every existing ancestor of `target` below `out` must be a real directory, and `target` itself a
/// regular file if it exists: nothing is written through a symbolic link.
fn check_target(out: &Path, rel: &Path) -> anyhow::Result<()> {
    let mut dir = out.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for (i, part) in parts.iter().enumerate() {
        dir.push(part);
        let Some(kind) = crate::load::file::entry_kind(&dir) else {
            return Ok(());
        };
        let last = i + 1 == parts.len();
        let ok = if last {
            kind == "a regular file"
        } else {
            kind == "a directory"
        };
        if !ok {
            bail!(
                "refusing to write `{}`: `{}` is {kind}",
                rel.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

fn staging_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!(".{name}.sentinelctl-{}", std::process::id()))
}

/// Writes one file the invoker named (a report, an audit record): staged beside it, then renamed
/// into place, so a reader never sees half of it.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = staging_path(path);
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write `{}`", path.display()));
    }
    Ok(())
}

/// Stages every file, then renames them all into place; on any failure nothing is left behind.
pub fn write_all_or_nothing(out: &Path, files: &[(PathBuf, &str)]) -> anyhow::Result<()> {
    let mut seen = BTreeSet::new();
    for (path, _) in files {
        relative(path)?;
        if !seen.insert(path.to_string_lossy().to_ascii_lowercase()) {
            bail!(
                "refusing to write: two items would be written to `{}`",
                path.display()
            );
        }
        check_target(out, path)?;
    }
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for (path, text) in files {
            let target = out.join(path);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
            }
            let tmp = staging_path(&target);
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .with_context(|| format!("cannot write `{}`", tmp.display()))?;
            staged.push((tmp.clone(), target));
            std::io::Write::write_all(&mut file, text.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write `{}`", tmp.display()))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, target) in &staged {
        std::fs::rename(tmp, target)
            .with_context(|| format!("cannot move `{}` into place", target.display()))?;
    }
    Ok(())
}
