//! Kusto's names for unnamed columns.
//!
//! A column reference keeps its name; a path `d.a` or `d['a']` becomes `d_a`; conversion-like functions
//! pass their first argument's name through (`tostring(x)` → `x`, `bin(TimeGenerated, 1h)` →
//! `TimeGenerated`); `strlen(s)` is `strlen_s`; an aggregate is `prefix_firstarg` (`count_`,
//! `dcount_User`, `set_x`, `percentile_x_95`). Which function does what is Kusto.Language's
//! ResultNameKind table (the same data `sentinel_kql`'s builtin table was generated from). Anything
//! else is `Column1`, `Column2`… in `extend`/`project`, and `print_0`, `print_1`… in `print`.

use sentinel_kql::ast::{self, ExprKind, LitKind};

use super::Ctx;
use super::literal::string_value;

/// ResultNameKind 7: the first argument's name.
const PASS_FIRST: &[&str] = &[
    "abs",
    "acos",
    "asin",
    "atan",
    "atan2",
    "bin",
    "bin_at",
    "bin_auto",
    "binary_and",
    "binary_not",
    "binary_or",
    "binary_shift_left",
    "binary_shift_right",
    "binary_xor",
    "bitset_count_ones",
    "ceiling",
    "cos",
    "erf",
    "erfc",
    "exp",
    "exp10",
    "exp2",
    "floor",
    "format_bytes",
    "format_datetime",
    "format_timespan",
    "gamma",
    "log",
    "log10",
    "log2",
    "loggamma",
    "parse_csv",
    "parse_json",
    "parse_xml",
    "parsejson",
    "pow",
    "rand",
    "round",
    "series_fill_backward",
    "series_fill_const",
    "series_fill_forward",
    "series_fill_linear",
    "series_fir",
    "series_iir",
    "series_outliers",
    "sin",
    "split",
    "sqrt",
    "startofday",
    "tan",
    "tobool",
    "toboolean",
    "todatetime",
    "todecimal",
    "todouble",
    "todynamic",
    "toguid",
    "tohex",
    "toint",
    "tolong",
    "toobject",
    "toreal",
    "tostring",
    "totime",
    "totimespan",
];

/// ResultNameKind 8: the argument's name when there is exactly one.
const ONLY_ARG: &[&str] = &["make_datetime", "make_timespan"];

/// ResultNameKind 1: `function_firstarg`.
const FN_AND_FIRST: &[&str] = &["dcount_hll", "percentile_tdigest", "string_size", "strlen"];

/// The name Kusto derives for an unnamed scalar expression, if any.
pub(crate) fn expr_name(e: &ast::Expr, ctx: &Ctx) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Member { target, name } => {
            expr_name(target, ctx).map(|t| format!("{t}_{}", name.text))
        }
        ExprKind::Index { target, index } => {
            let t = expr_name(target, ctx)?;
            match &index.kind {
                ExprKind::Literal(LitKind::String) => {
                    Some(format!("{t}_{}", string_value(ctx.text(&index.range))))
                }
                _ => Some(t),
            }
        }
        ExprKind::Paren(inner) => expr_name(inner, ctx),
        ExprKind::Call { name, args } => {
            let f = name.text.as_str();
            let first = || args.first().and_then(|a| expr_name(a, ctx));
            if PASS_FIRST.contains(&f) || (ONLY_ARG.contains(&f) && args.len() == 1) {
                first()
            } else if FN_AND_FIRST.contains(&f) {
                Some(format!("{f}_{}", first().unwrap_or_default()))
            } else if matches!(f, "column_ifexists" | "columnifexists") {
                args.first()
                    .filter(|a| matches!(a.kind, ExprKind::Literal(LitKind::String)))
                    .map(|a| string_value(ctx.text(&a.range)))
            } else if f == "gettype" {
                Some(format!("type_{}", first().unwrap_or_default()))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The columns of a function that returns several results: `series_stats(x)` makes
/// `series_stats_x_min`, `series_stats_x_min_idx`… (the series-stats-function page), and
/// `array_sort_asc(a, b)` given several arrays makes `a_sorted` and `b_sorted`.
pub(crate) fn multi_output_names(e: &ast::Expr, ctx: &Ctx) -> Option<Vec<String>> {
    let ExprKind::Call { name, args } = &e.kind else {
        return None;
    };
    if let Some((f, suffixes)) = crate::functions::series::MULTI_OUTPUT
        .iter()
        .find(|(f, _)| *f == name.text)
    {
        let first = args
            .first()
            .and_then(|a| expr_name(a, ctx))
            .unwrap_or_default();
        return Some(
            suffixes
                .iter()
                .map(|s| format!("{f}_{first}_{s}"))
                .collect(),
        );
    }
    if !matches!(name.text.as_str(), "array_sort_asc" | "array_sort_desc") {
        return None;
    }
    let arrays: Vec<&ast::Expr> = args
        .iter()
        .filter(|a| !matches!(a.kind, ExprKind::Literal(LitKind::Bool)))
        .collect();
    if arrays.len() < 2 {
        return None;
    }
    Some(
        arrays
            .iter()
            .enumerate()
            .map(|(i, a)| {
                format!(
                    "{}_sorted",
                    expr_name(a, ctx).unwrap_or_else(|| format!("array{}", i + 1))
                )
            })
            .collect(),
    )
}

/// The name of an unnamed `summarize` item: `prefix_firstarg` for an aggregate call (through
/// name-passing scalar wrappers such as `round(avg(x), 2)` → `avg_x`).
pub(crate) fn agg_item_name(e: &ast::Expr, ctx: &Ctx) -> Option<String> {
    match &e.kind {
        ExprKind::Paren(inner) => agg_item_name(inner, ctx),
        ExprKind::Call { name, args } => {
            let f = name.text.as_str();
            if let Some(agg) = crate::aggregates::lookup(f) {
                let first = args
                    .first()
                    .and_then(|a| expr_name(a, ctx))
                    .unwrap_or_default();
                if f.starts_with("covariance") && args.len() >= 2 {
                    let second = expr_name(&args[1], ctx).unwrap_or_default();
                    return Some(format!("{}_{first}_{second}", agg.prefix));
                }
                if matches!(f, "percentile" | "percentilew") && args.len() >= 2 {
                    let p = ctx
                        .text(&args[args.len() - 1].range)
                        .trim()
                        .replace('.', "_");
                    return Some(format!("percentile_{first}_{p}"));
                }
                return Some(format!("{}_{first}", agg.prefix));
            }
            if PASS_FIRST.contains(&f) || (ONLY_ARG.contains(&f) && args.len() == 1) {
                return args.first().and_then(|a| agg_item_name(a, ctx));
            }
            None
        }
        _ => None,
    }
}

/// Hands out `Column1`, `Column2`… skipping names already taken.
#[derive(Debug, Default)]
pub(crate) struct AutoNames {
    next: usize,
}

impl AutoNames {
    pub(crate) fn next(&mut self, taken: &[String]) -> String {
        loop {
            self.next += 1;
            let n = format!("Column{}", self.next);
            if !taken.contains(&n) {
                return n;
            }
        }
    }
}

/// Appends `name` to `names`, or `name1`, `name2`… when taken (duplicate aggregates, join columns).
pub(crate) fn unique(names: &[String], name: &str) -> String {
    if !names.iter().any(|n| n == name) {
        return name.to_string();
    }
    let mut i = 1;
    loop {
        let cand = format!("{name}{i}");
        if !names.contains(&cand) {
            return cand;
        }
        i += 1;
    }
}
