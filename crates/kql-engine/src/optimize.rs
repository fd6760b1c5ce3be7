//! Plan rewrites that keep results identical and save work: filter pushdown and column pruning.
//!
//! A pipeline (`source | op | op …`, saved functions and `let`s already inlined, so a detection and
//! the parser it calls are one pipeline) is flattened to its list of operators, then:
//!
//! 1. **Split**: an `extend` of several items becomes one `extend` per item (KQL evaluates them in
//!    order anyway, so `extend a = 1, b = a` is `extend a = 1 | extend b = a`), and `where a and b`
//!    becomes `where a | where b` (`and` treats null as false, as `where` does).
//! 2. **Pushdown**: each `where` moves ahead of every `extend` item that does not define a name it
//!    reads, ahead of `project`/`project-rename` when it only reads columns they pass through
//!    (renames are undone in the predicate), and ahead of `sort`. It never crosses an operator that
//!    depends on the row set (`take`, `top`, `summarize`, `serialize`, window functions, `join`…)
//!    nor an expression that reads the whole row (`pack_all`) or other rows (`prev`, `row_number`).
//! 3. **Pruning**: walking back from the end, an `extend` or `project` item whose columns no later
//!    operator reads is dropped (unless it reads the row set). Operators whose output depends on
//!    every input column (the query's result, `getschema`, `pack_all`, `join`, `union`, wildcards…)
//!    keep everything before them. `mv-expand` passes its input's columns through: it needs what the
//!    operators after it need, minus the columns it defines, plus what its expressions read; when
//!    that set is known, a `project-keep` of it goes before the expansion, which copies every
//!    column it is given once per element.
//!
//! 4. **Shared lets**: pruning records, for each use of a shared `let` ([`Plan::Shared`]), the
//!    columns that use reads and the filters it starts with; the `let` runs pruned to the union of
//!    the columns and, when every use starts with a filter, filtered by their disjunction, pushed
//!    down like any filter ([`shared_plan`]).
//!
//! Names in expressions are unresolved ([`Expr::Name`]): a name may be a column or a `let` value,
//! so the analysis treats every name as a possible column, which only keeps more than needed.

use std::collections::HashSet;

use crate::exec::bind::{reads_row_set, visit};
use crate::ir::{Expr, Item, Op, Plan, SharedLet};

/// Rewrites `plan` for speed without changing its result.
pub(crate) fn optimize(plan: Plan) -> Plan {
    optimize_plan(plan)
}

fn optimize_plan(plan: Plan) -> Plan {
    match plan {
        Plan::Pipe(..) => {
            let (source, ops) = flatten(plan);
            let source = optimize_plan(source);
            let ops: Vec<Op> = ops.into_iter().map(optimize_op).collect();
            let ops = split(ops);
            let ops = push_filters(ops);
            let (ops, needed) = prune(ops, None);
            if let Plan::Shared(s, id) = &source {
                note_use(s, *id, needed, &ops);
            }
            ops.into_iter()
                .fold(source, |p, op| Plan::Pipe(Box::new(p), Box::new(op)))
        }
        Plan::Union {
            inputs,
            names,
            withsource,
            outer,
        } => Plan::Union {
            inputs: inputs.into_iter().map(optimize_plan).collect(),
            names,
            withsource,
            outer,
        },
        other => other,
    }
}

/// Optimizes the sub-plans an operator holds.
fn optimize_op(op: Op) -> Op {
    match op {
        Op::Join {
            kind,
            right,
            on,
            lookup,
            range,
        } => Op::Join {
            kind,
            right: optimize_plan(right),
            on,
            lookup,
            range,
        },
        Op::MvApply {
            items,
            bag_as_array,
            itemindex,
            limit,
            sub,
        } => Op::MvApply {
            items,
            bag_as_array,
            itemindex,
            limit,
            sub: optimize_plan(sub),
        },
        Op::Partition { by, sub } => Op::Partition {
            by,
            sub: optimize_plan(sub),
        },
        other => other,
    }
}

/// `((src | a) | b) | c` → (src, [a, b, c]).
fn flatten(plan: Plan) -> (Plan, Vec<Op>) {
    let mut ops = Vec::new();
    let mut cur = plan;
    while let Plan::Pipe(input, op) = cur {
        ops.push(*op);
        cur = *input;
    }
    ops.reverse();
    (cur, ops)
}

/// Names an expression may read (columns or `let` values), or `None` when it reads the whole row.
fn refs(e: &Expr) -> Option<HashSet<String>> {
    let mut out = HashSet::new();
    let mut all = false;
    visit(e, &mut |x| match x {
        Expr::Name { name, .. } => {
            out.insert(name.to_string());
        }
        Expr::ColumnIfExists(name, _) => {
            out.insert(name.to_string());
        }
        Expr::PackAll(_) | Expr::Col(_) => all = true,
        _ => {}
    });
    (!all).then_some(out)
}

fn splittable(e: &Expr) -> bool {
    !reads_row_set(e)
}

/// One `extend` per item; `where a and b` as `where a | where b`.
fn split(ops: Vec<Op>) -> Vec<Op> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            Op::Extend(items) if items.len() > 1 && items.iter().all(|i| splittable(&i.expr)) => {
                out.extend(items.into_iter().map(|i| Op::Extend(vec![i])));
            }
            Op::Where(e) => {
                let mut conj = Vec::new();
                conjuncts(e, &mut conj);
                out.extend(conj.into_iter().map(Op::Where));
            }
            other => out.push(other),
        }
    }
    out
}

fn conjuncts(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::And(a, b) => {
            conjuncts(*a, out);
            conjuncts(*b, out);
        }
        other => out.push(other),
    }
}

/// Renames names in `e` (`from → to`), for moving a predicate ahead of a rename.
fn rename(e: Expr, map: &[(String, String)]) -> Expr {
    crate::exec::bind::map_expr(e, &mut |x| match x {
        Expr::Name {
            name,
            fallback,
            range,
        } => match map.iter().find(|(from, _)| **from == *name) {
            Some((_, to)) => Expr::Name {
                name: to.as_str().into(),
                fallback,
                range,
            },
            None => Expr::Name {
                name,
                fallback,
                range,
            },
        },
        other => other,
    })
}

/// Where a predicate reading `names` can move ahead of `op`: `Some(renames)` (output name → input
/// name) when it can, `None` when it cannot.
fn passes(op: &Op, names: &HashSet<String>) -> Option<Vec<(String, String)>> {
    match op {
        Op::Extend(items) => {
            let defines = items.iter().flat_map(|i| i.names.iter());
            let ok = items.iter().all(|i| splittable(&i.expr))
                && !defines.into_iter().any(|n| names.contains(n));
            ok.then(Vec::new)
        }
        Op::Sort(keys) => keys.iter().all(|k| !reads_row_set(&k.expr)).then(Vec::new),
        Op::Project(items) => {
            // every name read must be an output that is a plain column reference
            let mut map = Vec::new();
            let mut sorted: Vec<&String> = names.iter().collect();
            sorted.sort();
            for n in sorted {
                let item = items
                    .iter()
                    .find(|i| i.names.len() == 1 && &i.names[0] == n)?;
                match &item.expr {
                    Expr::Name {
                        name,
                        fallback: None,
                        ..
                    } => {
                        if **name != **n {
                            map.push((n.clone(), name.to_string()));
                        }
                    }
                    _ => return None,
                }
            }
            Some(map)
        }
        Op::ProjectRename(pairs) => {
            let mut map = Vec::new();
            for (new, old) in pairs {
                if names.contains(old) && !names.contains(new) {
                    // the old name is gone after the rename: the predicate would read another thing
                    return None;
                }
                if names.contains(new) {
                    map.push((new.clone(), old.clone()));
                }
            }
            Some(map)
        }
        _ => None,
    }
}

/// Moves each `where` as far ahead as [`passes`] allows.
fn push_filters(ops: Vec<Op>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    for op in ops {
        let Op::Where(mut pred) = op else {
            out.push(op);
            continue;
        };
        if reads_row_set(&pred) {
            out.push(Op::Where(pred));
            continue;
        }
        let mut at = out.len();
        while at > 0 {
            let Some(names) = refs(&pred) else { break };
            match passes(&out[at - 1], &names) {
                Some(map) => {
                    if !map.is_empty() {
                        pred = rename(pred, &map);
                    }
                    at -= 1;
                }
                None => break,
            }
        }
        out.insert(at, Op::Where(pred));
    }
    out
}

/// Column needs, walking back: `None` = every column.
type Needed = Option<HashSet<String>>;

fn add(needed: &mut Needed, e: &Expr) {
    if let Some(set) = needed {
        match refs(e) {
            Some(r) => set.extend(r),
            None => *needed = None,
        }
    }
}

fn item_needed(item: &Item, needed: &Needed) -> bool {
    match needed {
        None => true,
        Some(set) => item.names.iter().any(|n| set.contains(n)) || reads_row_set(&item.expr),
    }
}

/// Records what use `id` of a shared `let` reads (a use seen twice reads the union) and the
/// filters it starts with (a use seen twice keeps either's rows).
fn note_use(s: &SharedLet, id: usize, needed: Needed, ops: &[Op]) {
    let mut needs = s.needs.borrow_mut();
    let entry = needs.entry(id).or_insert_with(|| Some(HashSet::new()));
    match (entry.as_mut(), needed) {
        (Some(set), Some(n)) => set.extend(n),
        _ => *entry = None,
    }
    let mut lead: Option<Expr> = None;
    for op in ops {
        match op {
            Op::Where(e) if !reads_row_set(e) && pure(e) => {
                lead = Some(match lead {
                    Some(l) => Expr::And(Box::new(l), Box::new(e.clone())),
                    None => e.clone(),
                });
            }
            _ => break,
        }
    }
    let mut filters = s.filters.borrow_mut();
    match filters.get_mut(&id) {
        None => {
            filters.insert(id, lead);
        }
        Some(old) => {
            *old = match (old.take(), lead) {
                (Some(a), Some(b)) => Some(Expr::Or(Box::new(a), Box::new(b))),
                _ => None,
            };
        }
    }
}

/// True when `e` calls no function whose result differs between calls.
fn pure(e: &Expr) -> bool {
    let mut ok = true;
    visit(e, &mut |x| {
        if let Expr::Call { f, .. } = x
            && !f.pure
        {
            ok = false;
        }
        if matches!(x, Expr::ToScalar(_)) {
            // keep sub-query values where the query put them
            ok = false;
        }
    });
    ok
}

/// The plan a shared `let` runs: pruned to the union of what its uses read when every use was
/// seen by `optimize` (a use it did not see — a bare table in `union`, say — may read anything).
pub(crate) fn shared_plan(s: &SharedLet) -> Plan {
    let needs = s.needs.borrow();
    let mut union = HashSet::new();
    for id in 0..s.uses.get() {
        match needs.get(&id) {
            Some(Some(n)) => union.extend(n.iter().cloned()),
            _ => return s.plan.clone(),
        }
    }
    if !matches!(s.plan, Plan::Pipe(..)) {
        return s.plan.clone();
    }
    let (source, mut ops) = flatten(s.plan.clone());
    // when every use starts with a filter, the let keeps only rows one of them keeps (each use
    // still applies its own), and that filter moves as far ahead as it can
    let filters = s.filters.borrow();
    let mut any: Option<Expr> = None;
    let mut all_filtered = true;
    for id in 0..s.uses.get() {
        match filters.get(&id) {
            Some(Some(f)) => {
                any = Some(match any {
                    Some(a) => Expr::Or(Box::new(a), Box::new(f.clone())),
                    None => f.clone(),
                });
            }
            _ => all_filtered = false,
        }
    }
    if all_filtered && let Some(f) = any {
        ops.push(Op::Where(f));
        ops = push_filters(split(ops));
    }
    let (ops, _) = prune(ops, Some(union));
    ops.into_iter()
        .fold(source, |p, op| Plan::Pipe(Box::new(p), Box::new(op)))
}

/// Drops `extend`/`project` items nobody reads, given what is read after `ops` (`None`: every
/// column); returns the ops and what they read of their input.
fn prune(ops: Vec<Op>, after: Needed) -> (Vec<Op>, Needed) {
    let mut needed: Needed = after;
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    for op in ops.into_iter().rev() {
        let op = match op {
            Op::Extend(items) => {
                let mut kept: Vec<Item> = Vec::new();
                for item in items.into_iter().rev() {
                    if !item_needed(&item, &needed) {
                        continue;
                    }
                    if let Some(set) = &mut needed {
                        for n in &item.names {
                            set.remove(n);
                        }
                    }
                    add(&mut needed, &item.expr);
                    kept.push(item);
                }
                if kept.is_empty() {
                    continue;
                }
                kept.reverse();
                Op::Extend(kept)
            }
            Op::Project(items) => {
                let total = items.len();
                let mut kept: Vec<Item> = items
                    .into_iter()
                    .filter(|i| item_needed(i, &needed))
                    .collect();
                if kept.is_empty() && total > 0 {
                    // keep the shape of a projection nobody reads (its row count still matters)
                    needed = Some(HashSet::new());
                    out.push(Op::Project(Vec::new()));
                    continue;
                }
                let mut set = HashSet::new();
                let mut all = false;
                for i in &kept {
                    match refs(&i.expr) {
                        Some(r) => set.extend(r),
                        None => all = true,
                    }
                }
                needed = (!all).then_some(set);
                kept.shrink_to_fit();
                Op::Project(kept)
            }
            Op::Where(e) => {
                add(&mut needed, &e);
                Op::Where(e)
            }
            Op::Sort(keys) => {
                for k in &keys {
                    add(&mut needed, &k.expr);
                }
                Op::Sort(keys)
            }
            Op::Top { count, key } => {
                add(&mut needed, &key.expr);
                Op::Top { count, key }
            }
            op @ (Op::Take(_) | Op::Nop) => op,
            Op::Count(name) => {
                needed = Some(HashSet::new());
                Op::Count(name)
            }
            Op::ProjectRename(pairs) => {
                if let Some(set) = &mut needed {
                    for (new, old) in &pairs {
                        if set.remove(new) {
                            set.insert(old.clone());
                        }
                    }
                }
                Op::ProjectRename(pairs)
            }
            Op::ProjectAway(p) => Op::ProjectAway(p),
            Op::Summarize { aggs, by } => {
                let mut n: Needed = Some(HashSet::new());
                for a in &aggs {
                    for c in &a.aggs {
                        if c.star {
                            n = None;
                        }
                        for x in &c.args {
                            add(&mut n, x);
                        }
                    }
                    if let Some(o) = &a.outer {
                        add(&mut n, o);
                    }
                }
                for b in &by {
                    add(&mut n, &b.expr);
                }
                needed = n;
                Op::Summarize { aggs, by }
            }
            Op::Distinct(items) => {
                let mut n: Needed = Some(HashSet::new());
                for i in &items {
                    add(&mut n, &i.expr);
                }
                needed = n;
                Op::Distinct(items)
            }
            Op::MvExpand {
                items,
                bag_as_array,
                itemindex,
                limit,
            } => {
                // every input column passes through; the expanded ones are (re)defined here
                if let Some(set) = &mut needed {
                    for it in &items {
                        set.remove(&it.name);
                    }
                    if let Some(ix) = &itemindex {
                        set.remove(ix);
                    }
                }
                for it in &items {
                    add(&mut needed, &it.expr);
                }
                if let Some(l) = &limit {
                    add(&mut needed, l);
                }
                let op = Op::MvExpand {
                    items,
                    bag_as_array,
                    itemindex,
                    limit,
                };
                // the expansion copies every column it is given: give it only the needed ones
                if let Some(set) = &needed {
                    let mut keep: Vec<String> =
                        set.iter().filter(|n| !n.contains('*')).cloned().collect();
                    keep.sort();
                    out.push(op);
                    Op::ProjectKeep(keep)
                } else {
                    op
                }
            }
            other => {
                needed = None;
                other
            }
        };
        out.push(op);
    }
    out.reverse();
    (out, needed)
}

#[cfg(test)]
mod tests {
    use crate::datetime::DateTime;
    use crate::table::{Column, Table};
    use crate::value::{Type, Value};
    use crate::{Database, Options, evaluate};

    /// `d` is a number except in row 3, where `d + n` fails.
    fn db() -> Database {
        let rows = (0..6i64)
            .map(|i| {
                vec![
                    Value::string(if i % 2 == 0 { "a" } else { "b" }),
                    Value::Long(i),
                    if i == 3 {
                        Value::string("x")
                    } else {
                        Value::Long(i)
                    },
                ]
            })
            .collect();
        let mut db = Database::new();
        db.add_table(
            "T",
            Table::from_rows(
                vec![
                    Column::new("s", Type::String),
                    Column::new("n", Type::Long),
                    Column::new("d", Type::Dynamic),
                ],
                rows,
            ),
        );
        db
    }

    fn run(q: &str) -> Result<String, String> {
        evaluate(q, &db(), &Options::at(DateTime::UNIX_EPOCH))
            .map(|t| t.to_text())
            .map_err(|e| e.message)
    }

    #[test]
    fn a_pruned_column_is_never_evaluated() {
        assert!(run("T | extend bad = d + n").is_err());
        assert!(run("T | extend bad = d + n | project s, n").is_ok());
        assert!(run("T | extend bad = d + n, ok = n * 2 | summarize sum(ok) by s").is_ok());
    }

    #[test]
    fn mv_expand_lets_unread_columns_be_pruned() {
        let q = "T | extend bad = d + n | extend a = pack_array(s, n) | mv-expand a | project a";
        assert_eq!(
            run(q),
            run("T | extend a = pack_array(s, n) | mv-expand a | project a")
        );
        assert_eq!(
            run("T | mv-expand e = pack_array(s, n) | summarize count() by tostring(e), n"),
            run(
                "T | project n, s | mv-expand e = pack_array(s, n) | summarize count() by tostring(e), n"
            )
        );
        // a column the expansion reads is kept (and fails)
        assert!(run("T | extend bad = d + n | mv-expand bad | project s").is_err());
    }

    #[test]
    fn a_pushed_down_filter_gives_the_same_table() {
        // the filter on `n` moves ahead of the failing extend: only row 4 is evaluated
        assert!(run("T | extend bad = d + n | where n == 4").is_ok());
        assert_eq!(
            run("T | extend k = strcat(s, n) | where n > 2 | where k != 'b5'"),
            run("T | where n > 2 | extend k = strcat(s, n) | where k != 'b5'")
        );
    }

    #[test]
    fn a_shared_let_computes_only_what_its_uses_read() {
        let q = "let x = T | extend bad = d + n, k = n * 2; x | summarize sum(k) by s | join kind=inner (x | distinct s) on s";
        assert!(run(q).is_ok(), "{:?}", run(q));
        // a use that reads every column (a bare table in `union`) computes everything
        assert!(
            run("let x = T | extend bad = d + n, k = n * 2; union x, (x | project k)").is_err()
        );
    }

    #[test]
    fn a_shared_let_keeps_the_rows_one_of_its_uses_keeps() {
        // both uses filter out row 3 before the failing column is read
        let q = "let x = T | extend e = d + n; x | where n < 3 | summarize sum(e) | union (x | where n > 3 | summarize sum(e))";
        assert!(run(q).is_ok(), "{:?}", run(q));
        // a use without a filter sees every row
        assert!(
            run("let x = T | extend e = d + n; x | where n < 3 | union (x | summarize sum(e))")
                .is_err()
        );
        assert_eq!(
            run(
                "let x = T | extend k = strcat(s, n); x | where n < 2 | join kind=inner (x | where s == 'b') on k"
            ),
            run(
                "T | extend k = strcat(s, n) | where n < 2 | join kind=inner (T | extend k = strcat(s, n) | where s == 'b') on k"
            )
        );
    }

    #[test]
    fn a_let_used_three_times_gives_the_same_table_once_shared() {
        let shared = run(
            "let x = T | extend k = strcat(s, n % 2); x | join kind=inner (x | summarize c = count() by k) on k | union (x | where n == 1) | order by n asc, c asc",
        );
        let inlined = run(
            "T | extend k = strcat(s, n % 2) | join kind=inner (T | extend k = strcat(s, n % 2) | summarize c = count() by k) on k | union (T | extend k = strcat(s, n % 2) | where n == 1) | order by n asc, c asc",
        );
        assert!(shared.is_ok());
        assert_eq!(shared, inlined);
    }
}
