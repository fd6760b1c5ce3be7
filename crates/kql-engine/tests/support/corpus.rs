//! The project's query corpus as the engine sees it: tables from `schemas/*.json` (empty), saved
//! functions from the corpus parsers and `functions/*.yaml`, and every query of the corpus
//! (`/work/shared/corpus`, or `$KQL_CORPUS`), `detections/` and `functions/` — the same selection
//! `tools/kql-oracle/corpus.js` makes for the Kusto.Language differential test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sentinel_kql_engine::{Column, Database, Table, Type};

/// One query of the corpus.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    /// Path relative to the corpus folder's parent or the repository root.
    pub(crate) file: String,
    /// `rule`, `parser`, `detection` or `function`.
    pub(crate) kind: &'static str,
    /// For functions and parsers: the name they are saved as.
    pub(crate) function: Option<String>,
    pub(crate) params: String,
    pub(crate) query: String,
}

/// The repository root (two levels above this crate).
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared corpus folder.
// A test harness setting, not the product's (which reads variables through its session).
#[allow(clippy::disallowed_methods)]
pub(crate) fn corpus_dir() -> PathBuf {
    match std::env::var_os("KQL_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => repo_root().join("../shared/corpus"),
    }
}

/// A YAML node, as far as the corpus needs.
#[derive(Debug, Clone)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// The first document of a YAML text, or `None` when it does not parse.
fn parse_yaml(text: &str) -> Option<Node> {
    use saphyr_parser::{Event, Parser};
    let mut stack: Vec<(Node, Option<String>)> = Vec::new();
    let mut root: Option<Node> = None;
    let push =
        |stack: &mut Vec<(Node, Option<String>)>, root: &mut Option<Node>, n: Node| match stack
            .last_mut()
        {
            None => *root = Some(n),
            Some((Node::Seq(items), _)) => items.push(n),
            Some((Node::Map(entries), pending)) => match pending.take() {
                None => *pending = Some(n.str().unwrap_or_default().to_string()),
                Some(k) => entries.push((k, n)),
            },
            Some((Node::Scalar(_), _)) => {}
        };
    for ev in Parser::new_from_str(text) {
        let (ev, _) = ev.ok()?;
        match ev {
            Event::Scalar(v, ..) => push(&mut stack, &mut root, Node::Scalar(v.to_string())),
            Event::Alias(_) => push(&mut stack, &mut root, Node::Scalar(String::new())),
            Event::SequenceStart(..) => stack.push((Node::Seq(Vec::new()), None)),
            Event::MappingStart(..) => stack.push((Node::Map(Vec::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let (n, _) = stack.pop()?;
                push(&mut stack, &mut root, n);
            }
            Event::DocumentEnd if root.is_some() => {
                break;
            }
            _ => {}
        }
    }
    root
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// `FunctionParams` as a parameter list (`a:string = 'x', b:timespan`).
fn params_text(n: Option<&Node>) -> String {
    match n {
        None => String::new(),
        Some(Node::Scalar(s)) => s.clone(),
        Some(Node::Seq(items)) => items
            .iter()
            .filter_map(|p| {
                let name = p.get("Name")?.str()?;
                let ty = p.get("Type").and_then(Node::str).unwrap_or("dynamic");
                let mut d = p.get("Default").and_then(Node::str).map(str::to_string);
                if let Some(v) = &d
                    && ["real", "double", "decimal"].contains(&ty.to_ascii_lowercase().as_str())
                    && v.parse::<i64>().is_ok()
                {
                    d = Some(format!("{v}.0"));
                }
                Some(match d {
                    Some(d) => format!("{name}:{ty} = {d}"),
                    None => format!("{name}:{ty}"),
                })
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(Node::Map(_)) => String::new(),
    }
}

fn add_file(file: &Path, base: &Path, own: bool, out: &mut Vec<Case>) {
    let name = file.to_string_lossy();
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if matches!(ext.as_deref(), Some("md" | "csv" | "txt")) || name.contains("/Workbooks/") {
        return;
    }
    let Ok(text) = std::fs::read_to_string(file) else {
        return;
    };
    let text = text.trim_start_matches('\u{feff}');
    let Some(doc) = parse_yaml(text) else { return };
    let rel = file
        .strip_prefix(base)
        .unwrap_or(file)
        .to_string_lossy()
        .to_string();
    if let Some(q) = doc.get("query").and_then(Node::str) {
        out.push(Case {
            file: rel,
            kind: if own { "detection" } else { "rule" },
            function: None,
            params: String::new(),
            query: q.to_string(),
        });
    } else if let Some(q) = doc.get("FunctionQuery").and_then(Node::str) {
        let fname = doc
            .get("FunctionAlias")
            .or_else(|| doc.get("FunctionName"))
            .and_then(Node::str)
            .unwrap_or_default()
            .to_string();
        out.push(Case {
            file: rel,
            kind: if own { "function" } else { "parser" },
            function: Some(fname),
            params: params_text(doc.get("FunctionParams")),
            query: q.to_string(),
        });
    }
}

/// Every query: corpus rules and parsers, then our detections and functions.
pub(crate) fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let corpus = corpus_dir();
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    let base = corpus.parent().unwrap_or(&corpus).to_path_buf();
    for f in files {
        add_file(&f, &base, false, &mut out);
    }
    let root = repo_root();
    for dir in ["detections", "functions"] {
        let mut files = Vec::new();
        walk(&root.join(dir), &mut files);
        for f in files {
            let n = f.to_string_lossy();
            if n.ends_with(".yaml") || n.ends_with(".yml") {
                add_file(&f, &root, true, &mut out);
            }
        }
    }
    out
}

/// Table schemas from `schemas/*.json`: name and columns.
pub(crate) fn schemas() -> Vec<(String, Vec<Column>)> {
    let dir = repo_root().join("schemas");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        if f.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let Ok(json) =
            serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}'))
        else {
            continue;
        };
        let (Some(name), Some(props)) = (json["Name"].as_str(), json["Properties"].as_array())
        else {
            continue;
        };
        let cols = props
            .iter()
            .filter_map(|p| {
                let n = p["Name"].as_str()?;
                let ty = p["Type"].as_str().unwrap_or("dynamic").to_ascii_lowercase();
                let ty = match ty.as_str() {
                    "double" => Type::Real,
                    "boolean" => Type::Bool,
                    "int32" => Type::Int,
                    "int64" => Type::Long,
                    other => Type::from_name(other).unwrap_or(Type::Dynamic),
                };
                Some(Column::new(n, ty))
            })
            .collect();
        out.push((name.to_string(), cols));
    }
    out
}

/// A database with every schema's table (empty), an empty watchlist for every alias a query
/// reads, and every saved function of the corpus (ours
/// override corpus parsers of the same name). Functions that do not parse are left out.
pub(crate) fn database(cases: &[Case]) -> Database {
    let mut db = Database::new();
    for (name, cols) in schemas() {
        db.add_table(&name, Table::new(cols));
    }
    // every watchlist a query reads, empty
    let re = regex::Regex::new(r#"_GetWatchlist\(\s*['"]([^'"]+)['"]"#).expect("regex");
    let mut aliases: Vec<String> = cases
        .iter()
        .flat_map(|c| {
            re.captures_iter(&c.query)
                .map(|m| m[1].to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    aliases.sort();
    aliases.dedup();
    for a in aliases {
        db.add_watchlist(&a, "", &[], Vec::new());
    }
    for c in cases {
        if let Some(name) = &c.function
            && !name.is_empty()
        {
            let _ = db.add_function(name, &c.params, &c.query);
        }
    }
    db
}
