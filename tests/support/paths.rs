//! Where test inputs live: this checkout, and Microsoft's contracts and corpus in `../shared`.
//!
//! `../shared` (beside the checkout; CI always provides it) is required, not optional: a test
//! that silently skipped without it would pass while checking nothing, so [`shared`] panics with
//! the place it looked and how to provide it.

use std::path::{Path, PathBuf};

/// The root of this checkout (`CARGO_MANIFEST_DIR`): shipped content, fixtures, goldens.
pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/<path>` beside the checkout. Panics, saying where it looked, when it is missing.
pub(crate) fn shared(path: &str) -> PathBuf {
    let base = root().join("../shared");
    let full = base.join(path);
    if full.exists() {
        return full;
    }
    let why = if base.exists() {
        format!("`{}` exists but has no `{path}`", base.display())
    } else {
        format!("`{}` does not exist", base.display())
    };
    panic!(
        "shared test data `{path}` not found at `{}`: {why}\n\
         help: these tests read Microsoft's contracts and corpus from `shared/` beside the \
         checkout; CI provides it, locally link it there (`ln -s /path/to/shared {}`)",
        full.display(),
        base.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_finds_the_corpus_beside_the_checkout() {
        assert!(shared("corpus").is_dir());
    }

    #[test]
    #[should_panic(expected = "shared test data `no/such/data` not found at")]
    fn shared_fails_loudly_on_a_missing_path() {
        let _ = shared("no/such/data");
    }
}
