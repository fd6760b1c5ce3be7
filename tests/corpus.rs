//! Every analytic rule in `../shared/corpus` that is well-formed YAML must load, and the rest
//! must get a precise message. Fails (see `support::shared`) when the corpus is not beside the
//! checkout.
#![allow(clippy::print_stderr)] // the test lists the rejected files it found on stderr

use std::path::{Path, PathBuf};

use sentinelctl::diag::SourceDb;
use sentinelctl::load::Repository;

use crate::support::shared;

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rule_files(&p, out);
        } else if p.to_string_lossy().contains("Analytic") {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_rule_loads_or_gets_a_located_message() {
    let root = shared("corpus");
    let mut files = Vec::new();
    rule_files(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 100,
        "expected the whole corpus, found {}",
        files.len()
    );
    let (mut loaded, mut rejected) = (0, Vec::new());
    for f in &files {
        let mut sources = SourceDb::new();
        let mut diags = Vec::new();
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        if Repository::parse_rule_text(&mut sources, &f.to_string_lossy(), text, &mut diags)
            .is_some()
        {
            loaded += 1;
        } else {
            assert!(
                !diags.is_empty(),
                "{} failed without a diagnostic",
                f.display()
            );
            rejected.push((f.clone(), diags[0].code, diags[0].message.clone()));
        }
    }
    for (f, code, msg) in &rejected {
        eprintln!("{code} {}: {msg}", f.display());
    }
    // Upstream has 3 files that are not YAML and 2 ARM template exports; everything else loads.
    assert!(
        rejected
            .iter()
            .all(|(_, code, _)| ["SC1001", "SC1009"].contains(code)),
        "{rejected:?}"
    );
    assert!(
        loaded >= files.len() - 6,
        "loaded {loaded} of {}",
        files.len()
    );
}
