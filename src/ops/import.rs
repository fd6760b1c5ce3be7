//! `import`: read a workspace and write its content as repository files. Nothing is written unless
//! every file can be (no partial import): existing files that differ stop the import unless forced.

use std::path::PathBuf;

use anyhow::Context as _;

use super::connection::{ConnectOptions, connect};
use super::target::environment_only;
use crate::import::{ImportOptions, ImportedFile, import};
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
    /// Overwrite existing files that differ.
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
    let files = import(&live, &req.options);
    let out = req.out.clone().unwrap_or_else(|| cx.root.clone());
    let conflicts: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read_to_string(out.join(&f.path)).is_ok_and(|old| old != f.text))
        .map(|f| f.path.display().to_string())
        .collect();
    if !conflicts.is_empty() && !req.force {
        anyhow::bail!(
            "these files exist with other content: {}; pass --force to overwrite them",
            conflicts.join(", ")
        );
    }
    for f in &files {
        let path = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        std::fs::write(&path, &f.text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(Imported {
        environment: env.name,
        out,
        files,
        unmanaged: live.items.values().filter(|i| i.owner.is_none()).count(),
    })
}
