//! `import`: read a workspace and write its content as repository files.
//!
//! Content the repository already has (matched by ARM name or content id) keeps its file: left
//! alone when it already says what the workspace holds, rewritten in place otherwise, so importing
//! into the repository the content came from changes nothing and a portal edit becomes a one-file
//! diff. New content gets a sanitized file name (workspace data is untrusted: no separators, `..`,
//! control characters, reserved or case-colliding names). Writing is all or nothing: every file is
//! staged next to its target first and renamed into place only when all were staged, and nothing
//! is written through a symbolic link.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, bail};

use super::connection::{ConnectOptions, connect};
use super::target::environment_only;
use crate::desired::DesiredState;
use crate::import::{Existing, ExistingItem, ImportOptions, ImportedFile, import};
use crate::load::Repository;
use crate::model::Environment;
use crate::session::Session;

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// Environment to read.
    pub env: String,
    /// Where to write (default: the repository root).
    pub out: Option<PathBuf>,
    /// Which content.
    pub options: ImportOptions,
    /// Also rewrite existing files that already describe the workspace (normalises their layout).
    pub force: bool,
    /// How to connect.
    pub connect: ConnectOptions,
}

/// What an import wrote.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Environment name.
    pub environment: String,
    /// Directory written into.
    pub out: PathBuf,
    /// Files written.
    pub files: Vec<ImportedFile>,
    /// Existing files left as they were (they already matched the workspace).
    pub unchanged: usize,
    /// Live resources sentinelctl does not manage.
    pub unmanaged: usize,
}

/// Imports `req`.
pub fn import_workspace(cx: &Session, req: &ImportRequest) -> anyhow::Result<Imported> {
    let env = environment_only(cx, &req.env)?;
    let live = super::runtime()?.block_on(async {
        let conn = connect(cx, &env, &req.connect).await?;
        let live = conn.read_live(&env.workspace).await;
        conn.close().await;
        live
    })?;
    let out = req.out.clone().unwrap_or_else(|| cx.root.clone());
    let mut existing = existing_content(&out, &env);
    if req.force {
        for e in existing
            .by_key
            .values_mut()
            .chain(existing.by_content_id.values_mut())
        {
            e.fields.clear();
        }
    }
    let plan = import(&live, &req.options, &existing);
    write_all_or_nothing(&out, &plan.files)?;
    Ok(Imported {
        environment: env.name,
        out,
        files: plan.files,
        unchanged: plan.unchanged.len(),
        unmanaged: live.items.values().filter(|i| i.owner.is_none()).count(),
    })
}

/// What the repository at `out` already holds, resolved for `env`.
fn existing_content(out: &Path, env: &Environment) -> Existing {
    let mut existing = Existing::default();
    for folder in ["detections", "functions", "workbooks"] {
        for path in crate::load::repository::list_files(&out.join(folder)).unwrap_or_default() {
            if let Some(stem) = path.file_stem() {
                let stem = stem.to_string_lossy().to_ascii_lowercase();
                existing.taken.insert(format!("{folder}/{stem}"));
            }
        }
    }
    let Ok(repo) = Repository::load(out) else {
        return existing;
    };
    let desired = DesiredState::resolve(&repo, env);
    for (key, item) in desired.items {
        let e = ExistingItem {
            path: PathBuf::from(&item.path),
            fields: item.resource.fields(),
        };
        existing
            .by_content_id
            .insert((key.0, item.content_id.to_ascii_lowercase()), e.clone());
        existing.by_key.insert(key, e);
    }
    existing
}

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
    target.with_file_name(format!(".{name}.sentinelctl-import-{}", std::process::id()))
}

/// Stages every file, then renames them all into place; on any failure nothing is left behind.
fn write_all_or_nothing(out: &Path, files: &[ImportedFile]) -> anyhow::Result<()> {
    let mut seen = BTreeSet::new();
    for f in files {
        relative(&f.path)?;
        if !seen.insert(f.path.to_string_lossy().to_ascii_lowercase()) {
            bail!(
                "refusing to import: two items would be written to `{}`",
                f.path.display()
            );
        }
        check_target(out, &f.path)?;
    }
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for f in files {
            let target = out.join(&f.path);
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
            std::io::Write::write_all(&mut file, f.text.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write `{}`", tmp.display()))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e.context("nothing was imported"));
    }
    for (tmp, target) in &staged {
        std::fs::rename(tmp, target)
            .with_context(|| format!("cannot move `{}` into place", target.display()))?;
    }
    Ok(())
}
