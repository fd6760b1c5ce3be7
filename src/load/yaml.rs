//! A spanned YAML tree: every node remembers where it came from in the file.
//!
//! Built from `saphyr-parser` events (a maintained YAML 1.2 parser that reports positions),
//! because content checks need the `file:line:col` of any key or value, and duplicate keys must
//! be errors, which serde-based YAML crates do not give us. Typing of plain scalars (int, bool,
//! null) is left to the deserializer in `super::de`, which knows what type the field wants.
//!
//! Invariants: spans are byte ranges into the parsed text; a mapping never holds two equal
//! scalar keys (the second is reported and dropped); aliases are expanded to copies.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// How a scalar was written, which decides how it may be typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted: may be null, bool, number or string.
    Plain,
    /// Quoted: always a string.
    Quoted,
    /// Literal block (`|`): always a string, line structure kept.
    Literal,
    /// Folded block (`>`): always a string.
    Folded,
}

/// A YAML value with its byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Byte range in the source text.
    pub span: Range<usize>,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text (after unescaping) and how it was written.
    Scalar(String, Style),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in file order.
    Map(Vec<(Node, Node)>),
}

/// Problems found while building the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlProblem {
    /// The text is not YAML.
    Syntax {
        /// Where the parser stopped.
        offset: usize,
        /// The parser's explanation.
        message: String,
    },
    /// A key occurs twice in one mapping.
    DuplicateKey {
        /// The key.
        key: String,
        /// The second occurrence.
        span: Range<usize>,
        /// The first occurrence.
        first: Range<usize>,
    },
    /// More than one document in the file.
    MultipleDocuments {
        /// Start of the second document.
        offset: usize,
    },
}

impl Node {
    /// The scalar text when this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// True for a plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, Style::Plain) if matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The value under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value under `key` when this is a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The `index`th item when this is a sequence.
    pub fn index(&self, index: usize) -> Option<&Node> {
        match &self.value {
            Value::Seq(items) => items.get(index),
            _ => None,
        }
    }

    /// Follows a path of mapping keys and sequence indexes (as decimal strings).
    pub fn path(&self, path: &[&str]) -> Option<&Node> {
        let mut node = self;
        for step in path {
            node = match (&node.value, step.parse::<usize>()) {
                (Value::Seq(_), Ok(i)) => node.index(i)?,
                _ => node.get(step)?,
            };
        }
        Some(node)
    }

    /// Span of the key at the end of `path` (falls back to the deepest node found).
    pub fn key_span(&self, path: &[&str]) -> Option<Range<usize>> {
        let (last, parent) = path.split_last()?;
        let parent = self.path(parent)?;
        match parent.entry(last) {
            Some((k, _)) => Some(k.span.clone()),
            None => Some(parent.span.clone()),
        }
    }

    /// Span of the deepest existing node along `path`.
    pub fn best_span(&self, path: &[&str]) -> Range<usize> {
        let mut node = self;
        for step in path {
            let next = match (&node.value, step.parse::<usize>()) {
                (Value::Seq(_), Ok(i)) => node.index(i),
                _ => node.get(step),
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.span.clone()
    }
}

/// Parses one YAML document. Returns `None` for an empty document (no content at all).
pub fn parse(text: &str) -> (Option<Node>, Vec<YamlProblem>) {
    let mut builder = Builder::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    loop {
        match parser.next() {
            None => break,
            Some(Err(e)) => {
                let mut offset = builder.byte(e.marker().index());
                // saphyr stops after a tab used as indentation; point at the tab itself
                if e.info().contains("tab") {
                    while offset > 0 && text.as_bytes()[offset - 1] == b'\t' {
                        offset -= 1;
                    }
                }
                builder.problems.push(YamlProblem::Syntax {
                    offset,
                    message: e.info().to_string(),
                });
                return (None, builder.problems);
            }
            Some(Ok((Event::DocumentStart(_), span))) => {
                documents += 1;
                if documents > 1 {
                    let offset = builder.byte(span.start.index());
                    builder
                        .problems
                        .push(YamlProblem::MultipleDocuments { offset });
                    break;
                }
            }
            Some(Ok((event, span))) => {
                builder.event(event, span);
                if let Some(offset) = builder.over_budget {
                    builder.problems.push(YamlProblem::Syntax {
                        offset,
                        message: format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes (a \"billion laughs\" document?)"
                        ),
                    });
                    return (None, builder.problems);
                }
            }
        }
    }
    (builder.root, builder.problems)
}

/// Nodes in a tree (the node itself, its keys and values).
fn node_count(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| node_count(k) + node_count(v))
                .sum::<usize>()
        }
        Value::Scalar(..) => 1,
    }
}

enum Frame {
    Seq {
        start: usize,
        items: Vec<Node>,
        anchor: usize,
    },
    Map {
        start: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        anchor: usize,
    },
}

/// Most nodes that alias references may add to a document, in all. Content files use aliases
/// rarely and shallowly; nested aliases grow exponentially (a 600-byte file can name billions of
/// nodes), so expansion stops with an error at this budget: milliseconds and a few MB.
pub const MAX_ALIAS_NODES: usize = 10_000;

struct Builder<'t> {
    text: &'t str,
    char_to_byte: Vec<usize>,
    stack: Vec<Frame>,
    /// Anchored nodes with their size in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes added by aliases so far.
    alias_nodes: usize,
    /// Set (to the alias' offset) once `alias_nodes` passes [`MAX_ALIAS_NODES`].
    over_budget: Option<usize>,
    root: Option<Node>,
    problems: Vec<YamlProblem>,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        let mut char_to_byte: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        char_to_byte.push(text.len());
        Self {
            text,
            char_to_byte,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            over_budget: None,
            root: None,
            problems: Vec::new(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.char_to_byte
            .get(char_index)
            .copied()
            .unwrap_or(self.text.len())
    }

    fn range(&self, span: Span) -> Range<usize> {
        self.byte(span.start.index())..self.byte(span.end.index())
    }

    fn event(&mut self, event: Event<'_>, span: Span) {
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                    _ => Style::Quoted,
                };
                let node = Node {
                    value: Value::Scalar(text.into_owned(), style),
                    span: self.range(span),
                };
                self.remember(anchor, &node);
                self.push(node);
            }
            Event::SequenceStart(anchor, _) => {
                let start = self.byte(span.start.index());
                self.stack.push(Frame::Seq {
                    start,
                    items: Vec::new(),
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                let start = self.byte(span.start.index());
                self.stack.push(Frame::Map {
                    start,
                    entries: Vec::new(),
                    key: None,
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => {
                let span = self.range(span);
                let size = self.anchors.get(&id).map_or(1, |(_, n)| *n);
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    self.over_budget.get_or_insert(span.start);
                    return;
                }
                let node = self.anchors.get(&id).map(|(n, _)| n.clone());
                self.push(node.map_or(
                    Node {
                        value: Value::Scalar(String::new(), Style::Plain),
                        span: span.clone(),
                    },
                    |n| Node { span, ..n },
                ));
            }
            _ => {}
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (node.clone(), node_count(node)));
        }
    }

    fn close(&mut self, span: Span) {
        let end = self.byte(span.end.index());
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Seq {
                start,
                items,
                anchor,
            }) => (
                Node {
                    value: Value::Seq(items),
                    span: start..end.max(start),
                },
                anchor,
            ),
            Some(Frame::Map {
                start,
                entries,
                anchor,
                ..
            }) => (
                Node {
                    value: Value::Map(entries),
                    span: start..end.max(start),
                },
                anchor,
            ),
            None => return,
        };
        self.remember(anchor, &node);
        self.push(node);
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let duplicate = k.as_str().and_then(|name| {
                        entries
                            .iter()
                            .find(|(e, _)| e.as_str() == Some(name))
                            .map(|(e, _)| (name.to_string(), e.span.clone()))
                    });
                    match duplicate {
                        Some((key, first)) => self.problems.push(YamlProblem::DuplicateKey {
                            key,
                            span: k.span.clone(),
                            first,
                        }),
                        None => entries.push((k, node)),
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_expansion_has_a_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        let (root, problems) = parse(&text);
        assert!(root.is_none());
        assert!(
            matches!(&problems[0], YamlProblem::Syntax { message, .. } if message.contains("aliases expand")),
            "{problems:?}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // a few shallow aliases are fine
        let (root, problems) = parse("base: &b {x: 1}\nother: *b\n");
        assert!(root.is_some() && problems.is_empty());
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "a: 1\nb:\n  - x\n  - y: é\n";
        let (root, problems) = parse(text);
        assert!(problems.is_empty());
        let root = root.unwrap();
        let y = root.path(&["b", "1", "y"]).unwrap();
        assert_eq!(&text[y.span.clone()], "é");
        assert_eq!(&text[root.key_span(&["b"]).unwrap()], "b");
    }

    #[test]
    fn duplicate_keys_are_reported_once_with_both_places() {
        let (root, problems) = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(root.unwrap().get("a").unwrap().as_str(), Some("1"));
        assert_eq!(
            problems,
            vec![YamlProblem::DuplicateKey {
                key: "a".into(),
                span: 10..11,
                first: 0..1
            }]
        );
    }

    #[test]
    fn syntax_errors_have_an_offset() {
        let (_, problems) = parse("a: [1, 2\nb: 3\n");
        assert!(matches!(problems[0], YamlProblem::Syntax { .. }));
    }

    #[test]
    fn a_tab_used_as_indentation_is_pointed_at() {
        let (_, problems) = parse("a:\n\t- x\n");
        assert!(
            matches!(&problems[0], YamlProblem::Syntax { offset: 3, message } if message.contains("tab")),
            "{problems:?}"
        );
    }

    #[test]
    fn empty_document_has_no_root() {
        let (root, problems) = parse("# only a comment\n");
        assert!(root.is_none() && problems.is_empty());
    }

    #[test]
    fn literal_block_keeps_lines() {
        let text = "q: |-\n  A\n  | where x\n";
        let (root, _) = parse(text);
        let q = root.unwrap();
        let q = q.get("q").unwrap();
        assert_eq!(
            q.value,
            Value::Scalar("A\n| where x".into(), Style::Literal)
        );
    }
}
