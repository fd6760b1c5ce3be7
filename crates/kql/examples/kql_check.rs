//! Debug helper: analyse `.kql` files given on the command line with an empty catalog and print diagnostics.
#![allow(clippy::print_stdout)]
#![allow(clippy::disallowed_methods)] // a developer tool: its switches are environment variables

fn main() {
    let catalog = sentinel_kql::Catalog::new();
    for path in std::env::args().skip(1) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let a = sentinel_kql::analyze(&text, &catalog);
        for d in a
            .diagnostics
            .iter()
            .filter(|d| d.code == "SC2001" || std::env::var_os("ALL").is_some())
        {
            let line = text[..d.range.start].matches('\n').count() + 1;
            println!(
                "{path}:{line}: {} {} [{}..{}] `{}`",
                d.code,
                d.message,
                d.range.start,
                d.range.end,
                &text[d.range.clone()].chars().take(40).collect::<String>()
            );
        }
        if !a.unsupported.is_empty() {
            println!("{path}: unsupported {:?}", a.unsupported);
        }
    }
}
