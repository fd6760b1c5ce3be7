//! `import`: read a workspace and write its content as repository files.
//!
//! Content the repository already has (matched by ARM name or content id) keeps its file: left
//! alone when it already says what the workspace holds, rewritten in place otherwise, so importing
//! into the repository the content came from changes nothing and a portal edit becomes a one-file
//! diff. New content gets a sanitized file name (workspace data is untrusted: no separators, `..`,
//! control characters, reserved or case-colliding names). Writing is all or nothing: every file is
//! staged next to its target first and renamed into place only when all were staged, and nothing
//! is written through a symbolic link.

use std::path::{Path, PathBuf};

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
    let mut options = req.options.clone();
    options.workspace_id = env.workspace_id();
    let plan = import(&live, &options, &existing);
    let files: Vec<(PathBuf, &str)> = plan
        .files
        .iter()
        .map(|f| (f.path.clone(), f.text.as_str()))
        .collect();
    super::files::write_all_or_nothing(&out, &files)
        .map_err(|e| e.context("nothing was imported"))?;
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
    for folder in [
        "detections",
        "functions",
        "workbooks",
        "watchlists",
        "hunting",
        "automation",
    ] {
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
