//! Property tests: the front end never panics, and every diagnostic range lies inside the query on char
//! boundaries, for arbitrary text and for KQL-like token soup (shrinking is off so CI stays fast).

use proptest::prelude::*;
use sentinel_kql::{Catalog, Column, FunctionDecl, Param, ScalarType, Table, analyze};

fn catalog() -> Catalog {
    let mut c = Catalog::new();
    c.add_table(Table {
        name: "T".into(),
        columns: vec![
            Column::new("TimeGenerated", ScalarType::DateTime),
            Column::new("a", ScalarType::String),
            Column::new("d", ScalarType::Dynamic),
            Column::new("n", ScalarType::Long),
        ],
    });
    c.add_function(FunctionDecl {
        name: "F".into(),
        params: vec![Param {
            name: "lookback".into(),
            ty: "timespan".into(),
            default: Some("1d".into()),
        }],
        body: "T | where TimeGenerated > ago(lookback) | extend e = tostring(d.x)".into(),
    });
    c
}

fn check(q: &str, catalog: &Catalog) {
    let a = analyze(q, catalog);
    for d in &a.diagnostics {
        assert!(
            d.range.start <= d.range.end,
            "inverted range {:?} in {q:?}",
            d.range
        );
        assert!(
            d.range.end <= q.len(),
            "range {:?} past the end of {q:?}",
            d.range
        );
        assert!(
            q.is_char_boundary(d.range.start) && q.is_char_boundary(d.range.end),
            "range {:?} splits a char in {q:?}",
            d.range
        );
    }
    for w in a.diagnostics.windows(2) {
        assert!(w[0].range.start <= w[1].range.start);
    }
}

const PIECES: &[&str] = &[
    "T",
    "F",
    "F(1h)",
    "|",
    "where",
    "extend",
    "project",
    "summarize",
    "by",
    "join",
    "kind=inner",
    "on",
    "$left.a",
    "==",
    "$right.a",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "let",
    "x",
    "=",
    "1d",
    "ago(1h)",
    "'s'",
    "\"é\"",
    "d.x",
    "a",
    "n",
    "+",
    "-",
    "*",
    "has",
    "!contains",
    "in~",
    "between",
    "..",
    "count()",
    "bin(TimeGenerated, 1h)",
    "mv-expand",
    "mv-apply",
    "union",
    "isfuzzy=true",
    "datatable(a:string)['x']",
    "dynamic([1])",
    "//c\n",
    "\n",
    "parse",
    "with",
    "*",
    "take",
    "10",
    "make-series",
    "evaluate",
    "bag_unpack(d)",
    "view",
    "()",
    "(x:string)",
    "materialize(",
    "toscalar(",
    "`",
    "```",
    "@'",
    "é",
    "日本",
    "\u{00a0}",
    "datetime(2024-01-01)",
    "lookup",
    "top",
    "project-away",
    "project-rename",
    "b=a",
    "order",
    "asc",
    "nulls",
    "first",
    "partition",
    "range",
    "from",
    "to",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, max_shrink_iters: 0, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(q in "\\PC{0,200}") {
        check(&q, &catalog());
    }

    #[test]
    fn token_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..40)) {
        let q = parts.join(" ");
        check(&q, &catalog());
        let glued = parts.concat();
        check(&glued, &catalog());
    }

    #[test]
    fn truncated_valid_queries_never_panic(cut in 0usize..400) {
        let q = "let x = (T:(a:string), n:long = 2) { T | take n };\nT\n| where TimeGenerated > ago(1d) and a has_any ('x', \"y\")\n| extend e = tostring(d.x), f = d['y'][0]\n| summarize c = count(), arg_max(TimeGenerated, *) by a, bin(TimeGenerated, 1h)\n| join kind=leftouter (x(T) | project a, n) on $left.a == $right.a\n| mv-expand d to typeof(string)\n| project-away n1\n| order by c desc";
        let mut end = cut.min(q.len());
        while !q.is_char_boundary(end) { end -= 1; }
        check(&q[..end], &catalog());
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let c = catalog();
    for open in ["(", "[", "f(", "-", "T | where ("] {
        let q = open.repeat(5000);
        check(&q, &c);
    }
    let q = format!("T{}", " | where a == 'x'".repeat(3000));
    check(&q, &c);
}
