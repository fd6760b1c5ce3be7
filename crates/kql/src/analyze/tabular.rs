//! Tabular expressions: resolving tables, evaluating pipelines operator by operator (the column
//! tracking), joins and unions, and the checks tied to operators (duplicates, aggregation context,
//! dynamic keys).

use std::ops::Range;

use super::expr::expr_name;
use super::schema::{Schema, push_unique, suggest, wildcard_match};
use super::scope::{Binding, LambdaResult};
use super::{Ctx, Row, Value, function_info_with, row};
use crate::ast::{
    ColumnDecl, Expr, ExprKind, JoinCondition, MvItem, Name, NamedExpr, OpKind, OpParam, Operator,
    ParsePart,
};
use crate::builtins::{self, Kind};
use crate::catalog::{Column, FunctionEntry};
use crate::diagnostic::{
    AGGREGATE_CONTEXT, DUPLICATE_COLUMN, DYNAMIC_KEY, FUNCTION_BODY, UNKNOWN_COLUMN,
    UNKNOWN_FUNCTION, UNKNOWN_TABLE,
};
use crate::types::ScalarType;

impl Ctx<'_, '_> {
    /// Evaluates `e` as a tabular expression (pipeline input, join right side, union operand).
    pub(super) fn tabular(&mut self, e: &Expr, input: Option<&Schema>) -> Schema {
        match &e.kind {
            ExprKind::Name(n) => {
                if let Some(s) = self.resolve_tabular_name(n, Some(e.range.clone())) {
                    return s;
                }
                self.unknown_tables.insert(n.clone());
                if self.fuzzy > 0 {
                    self.fuzzy_missing = true;
                } else {
                    let help = self.suggest_table(n);
                    self.error(
                        UNKNOWN_TABLE,
                        e.range.clone(),
                        format!("unknown table `{n}`"),
                        help,
                    );
                }
                Schema::unknown()
            }
            ExprKind::Pipe { .. } => self.pipeline(e, input),
            ExprKind::Paren(inner) => self.tabular(inner, input),
            ExprKind::Input => input.cloned().unwrap_or_default(),
            _ => match self.expr(e, None) {
                Value::Tabular(s) => s,
                Value::Scalar(_) => Schema::unknown(),
            },
        }
    }

    /// Resolves a bare name used as a table: a `let` binding, a catalog table, or a saved function called
    /// without parentheses (then `range`, when given, is where to report its arity or body errors).
    pub(super) fn resolve_tabular_name(
        &mut self,
        n: &str,
        range: Option<Range<usize>>,
    ) -> Option<Schema> {
        match self.scope.get(n) {
            Some(
                Binding::Tabular(s)
                | Binding::Lambda {
                    result: LambdaResult::Tabular(s),
                    min: 0,
                    ..
                },
            ) => {
                return Some(s.clone());
            }
            Some(_) => return Some(Schema::unknown()),
            None => {}
        }
        if let Some(t) = self.catalog.tables.get(n) {
            self.tables.insert(n.to_string());
            return Some(Schema::known(t.columns.clone()));
        }
        if let Some(entry) = self.catalog.functions.get(n) {
            self.functions.insert(n.to_string());
            if let Some(range) = range {
                let params = &entry.decl.params;
                let min = params.iter().filter(|p| p.default.is_none()).count();
                self.check_arity(n, range.clone(), 0, min, params.len());
                self.function_body_warning(n, range, entry);
            }
            let info = function_info_with(self.catalog, entry, self.stack);
            return Some(Schema {
                cols: info.output,
                open: info.open,
            });
        }
        None
    }

    /// `SC2006` at a call of a saved function whose body has errors (top-level queries only).
    pub(super) fn function_body_warning(
        &mut self,
        name: &str,
        range: Range<usize>,
        entry: &FunctionEntry,
    ) {
        let info = function_info_with(self.catalog, entry, self.stack);
        if self.top && info.errors > 0 {
            let msg = format!("function `{name}` has {} error(s) in its body", info.errors);
            let help = info.first_error.map(|e| format!("first error: {e}"));
            self.error(FUNCTION_BODY, range, msg, help);
        }
    }

    pub(super) fn suggest_table(&self, n: &str) -> Option<String> {
        let cands = self
            .catalog
            .tables
            .keys()
            .map(String::as_str)
            .chain(self.catalog.functions.keys().map(String::as_str))
            .chain(self.scope.names());
        suggest(n, cands).map(|s| format!("did you mean `{s}`?"))
    }

    /// `SC2007` when one operator declares a name twice: explicit `name = …` names and bare column
    /// references count (`project a, a`); names derived from expressions are made unique by Kusto.
    pub(super) fn check_declared(
        &mut self,
        items: &[NamedExpr],
        mut declared: Vec<String>,
    ) -> Vec<String> {
        for item in items {
            if item.names.is_empty() {
                if let ExprKind::Name(n) = &item.expr.kind {
                    if declared.contains(n) {
                        let name = crate::ast::Name {
                            text: n.clone(),
                            range: item.expr.range.clone(),
                        };
                        self.duplicate(&name);
                    }
                    declared.push(n.clone());
                }
                continue;
            }
            for n in &item.names {
                if declared.contains(&n.text) {
                    self.duplicate(n);
                }
                declared.push(n.text.clone());
            }
        }
        declared
    }

    /// `SC2007` for a name declared twice by one operator.
    pub(super) fn duplicate(&mut self, n: &crate::ast::Name) {
        self.error(
            DUPLICATE_COLUMN,
            n.range.clone(),
            format!("column `{}` is declared more than once", n.text),
            Some("give each output column its own name".into()),
        );
    }

    /// In a `summarize` aggregation, columns must be used inside an aggregation function
    /// (`summarize x = a + 1` is an error; `summarize x = count() + 1` is fine).
    pub(super) fn check_aggregated(&mut self, e: &Expr, inside: bool) {
        match &e.kind {
            // a column (known or not) outside any aggregation; `let` values are fine
            ExprKind::Name(n) if !inside && self.scope.get(n).is_none() && !n.starts_with('$') => {
                self.error(
                        AGGREGATE_CONTEXT,
                        e.range.clone(),
                        format!("column `{n}` is used outside an aggregation"),
                        Some(format!("wrap it in an aggregation, e.g. `take_any({n})`, or group by it with `by {n}`")),
                    );
            }
            ExprKind::Call { name, args } => {
                let n = name.text.as_str();
                if self.scope.get(n).is_some() || self.catalog.functions.contains_key(n) {
                    return; // a lambda or saved function may aggregate inside
                }
                let agg = builtins::get(Kind::Aggregate, n).is_some();
                for a in args {
                    self.check_aggregated(a, inside || agg);
                }
            }
            ExprKind::NamedArg { value, .. } => self.check_aggregated(value, inside),
            ExprKind::Unary { operand, .. } => self.check_aggregated(operand, inside),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.check_aggregated(lhs, inside);
                self.check_aggregated(rhs, inside);
            }
            ExprKind::In { lhs, list, .. } => {
                self.check_aggregated(lhs, inside);
                for x in list {
                    if !matches!(x.kind, ExprKind::Pipe { .. }) {
                        self.check_aggregated(x, inside);
                    }
                }
            }
            ExprKind::Between { lhs, lo, hi, .. } => {
                self.check_aggregated(lhs, inside);
                self.check_aggregated(lo, inside);
                self.check_aggregated(hi, inside);
            }
            ExprKind::Member { target, .. } | ExprKind::Index { target, .. } => {
                self.check_aggregated(target, inside);
            }
            ExprKind::Paren(inner) => self.check_aggregated(inner, inside),
            _ => {}
        }
    }

    /// Group, distinct and sort keys cannot be `dynamic` (Kusto rejects the query).
    pub(super) fn check_not_dynamic(&mut self, e: &Expr, t: ScalarType, what: &str) {
        // only when certain: a dynamic column or a path into one (inferred call types are approximate)
        fn is_path(e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Name(_) => true,
                ExprKind::Member { target, .. } | ExprKind::Index { target, .. } => is_path(target),
                ExprKind::Paren(inner) => is_path(inner),
                _ => false,
            }
        }
        if t != ScalarType::Dynamic || !is_path(e) {
            return;
        }
        let text = self.src.get(e.range.clone()).unwrap_or("").trim();
        let help = if text.len() <= 60 && !text.contains('\n') {
            format!("convert it, e.g. `tostring({text})`")
        } else {
            "convert it with `tostring(...)`".to_string()
        };
        self.error(
            DYNAMIC_KEY,
            e.range.clone(),
            format!("a `dynamic` value cannot be {what}"),
            Some(help),
        );
    }

    /// Evaluates a chain of `Pipe` nodes iteratively.
    pub(super) fn pipeline(&mut self, e: &Expr, input: Option<&Schema>) -> Schema {
        let mut ops: Vec<&Operator> = Vec::new();
        let mut cur = e;
        while let ExprKind::Pipe { input, op } = &cur.kind {
            ops.push(op);
            cur = input;
        }
        // `… | union isfuzzy=true X`: the piped input is an operand of the fuzzy union too
        let fuzzy_at = ops.iter().position(|op| is_fuzzy_union(op));
        let mut fuzzy_depth = 0;
        if fuzzy_at.is_some() {
            self.fuzzy += 1;
            fuzzy_depth = 1;
        }
        let mut schema = self.tabular(cur, input);
        let n = ops.len();
        for (i, op) in ops.into_iter().rev().enumerate() {
            if fuzzy_depth > 0 && Some(n - 1 - i) == fuzzy_at {
                self.fuzzy -= 1;
                fuzzy_depth = 0;
            }
            // openness (from a fuzzy union) is inherited by everything derived from the input, and so is
            // not knowing the input: `project a` over an unknown input gives `a` and maybe more
            let open = schema.open || !schema.is_known();
            schema = self.operator(op, schema, false);
            schema.open |= open;
        }
        if fuzzy_depth > 0 {
            self.fuzzy -= 1;
        }
        schema
    }

    pub(super) fn operator(&mut self, op: &Operator, input: Schema, source: bool) -> Schema {
        match &op.kind {
            OpKind::Where(e) => {
                let v = self.expr(e, row(&input));
                self.check_scalar(e, &v);
                self.check_bool(e, v.ty(), "a `where` condition", e.range.clone());
                input
            }
            OpKind::Extend(items) | OpKind::Serialize(items) => {
                // every item sees the input only: `extend a = 1, b = a + 1` is an error in Kusto
                let mut out = input.clone();
                self.column_counter = 0;
                self.check_declared(items, Vec::new());
                for item in items {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    for (n, ty) in self.item_names(item, t, Some(&input)) {
                        out.set(&n, ty);
                    }
                }
                out
            }
            OpKind::Project(items) => {
                let mut out = Schema::known(Vec::new());
                self.column_counter = 0;
                self.check_declared(items, Vec::new());
                for item in items {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    for (n, ty) in self.item_names(item, t, Some(&input)) {
                        out.set(&n, ty);
                    }
                }
                out
            }
            OpKind::ProjectAway(pats) => {
                let mut out = input;
                for p in pats {
                    self.check_pattern(&out, p);
                    if let Some(cols) = &mut out.cols {
                        cols.retain(|c| !wildcard_match(&p.text, &c.name));
                    }
                }
                out
            }
            OpKind::ProjectKeep(pats) => {
                for p in pats {
                    self.check_pattern(&input, p);
                }
                let mut out = input;
                if let Some(cols) = &mut out.cols {
                    cols.retain(|c| pats.iter().any(|p| wildcard_match(&p.text, &c.name)));
                }
                out
            }
            OpKind::ProjectByNames(names) => {
                for n in names {
                    self.expr(n, None);
                }
                Schema::unknown()
            }
            OpKind::ProjectReorder(items) => {
                let pats: Vec<&Name> = items.iter().map(|i| &i.pattern).collect();
                for p in &pats {
                    self.check_pattern(&input, p);
                }
                let mut out = input;
                if let Some(cols) = &mut out.cols {
                    let mut front = Vec::new();
                    for p in &pats {
                        let mut i = 0;
                        while i < cols.len() {
                            if wildcard_match(&p.text, &cols[i].name) {
                                front.push(cols.remove(i));
                            } else {
                                i += 1;
                            }
                        }
                    }
                    front.append(cols);
                    *cols = front;
                }
                out
            }
            OpKind::ProjectRename(pairs) => {
                let mut out = input;
                for (new, old) in pairs {
                    self.check_pattern(&out, old);
                    if let Some(cols) = &mut out.cols
                        && let Some(c) = cols.iter_mut().find(|c| c.name == old.text)
                    {
                        c.name.clone_from(&new.text);
                    }
                }
                out
            }
            OpKind::Summarize { aggs, by } => {
                let mut cols = Vec::new();
                let mut known = input.is_known();
                self.column_counter = 0;
                for item in by {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    self.check_not_dynamic(&item.expr, t, "a `summarize` group key");
                    for n in self.item_names(item, t, Some(&input)) {
                        push_unique(&mut cols, &n.0, n.1);
                    }
                }
                let mut declared = self.check_declared(by, Vec::new());
                for item in aggs {
                    let agg_row = Some(Row {
                        schema: Some(&input),
                        aggregate: true,
                    });
                    let t = self.expr(&item.expr, agg_row).ty();
                    self.check_aggregated(&item.expr, false);
                    for n in &item.names {
                        if declared.contains(&n.text) {
                            self.duplicate(n);
                        }
                        declared.push(n.text.clone());
                    }
                    if !item.names.is_empty() {
                        // `Latest = arg_max(TimeGenerated, *)`: the names rename the first columns, the
                        // rest still expand
                        if is_arg_max(&item.expr) {
                            match self.aggregate_columns(&item.expr, &input, t) {
                                Some(new_cols) => {
                                    for (i, (mut c, star)) in new_cols.into_iter().enumerate() {
                                        if let Some(n) = item.names.get(i) {
                                            c.name.clone_from(&n.text);
                                        }
                                        if star {
                                            if !cols.iter().any(|x: &Column| x.name == c.name) {
                                                cols.push(c);
                                            }
                                        } else {
                                            push_unique(&mut cols, &c.name, c.ty);
                                        }
                                    }
                                }
                                None => known = false,
                            }
                            continue;
                        }
                        for (i, n) in item.names.iter().enumerate() {
                            let ty = if i == 0 { t } else { ScalarType::Unknown };
                            set_or_push(&mut cols, &n.text, ty);
                        }
                        continue;
                    }
                    match self.aggregate_columns(&item.expr, &input, t) {
                        Some(new_cols) => {
                            for c in new_cols {
                                if c.1 {
                                    // arg_max(*) expansion: skip names already present
                                    if !cols.iter().any(|x: &Column| x.name == c.0.name) {
                                        cols.push(c.0);
                                    }
                                } else {
                                    push_unique(&mut cols, &c.0.name, c.0.ty);
                                }
                            }
                        }
                        None => known = false,
                    }
                }
                if known {
                    Schema::known(cols)
                } else {
                    Schema::unknown()
                }
            }
            OpKind::Sort(keys) => {
                for k in keys {
                    let t = self.expr(&k.expr, row(&input)).ty();
                    self.check_not_dynamic(&k.expr, t, "a sort key");
                }
                input
            }
            OpKind::Top { count, by } => {
                self.expr(count, None);
                let t = self.expr(&by.expr, row(&input)).ty();
                self.check_not_dynamic(&by.expr, t, "a sort key");
                input
            }
            OpKind::Take(e) | OpKind::Sample(e) => {
                self.expr(e, None);
                input
            }
            OpKind::SampleDistinct { count, expr } => {
                self.expr(count, None);
                let item = NamedExpr {
                    names: Vec::new(),
                    expr: expr.clone(),
                };
                let distinct = Operator {
                    kind: OpKind::Distinct(vec![item]),
                    range: op.range.clone(),
                };
                self.operator(&distinct, input, source)
            }
            OpKind::Count(name) => Schema::known(vec![Column::new(
                name.as_ref().map_or("Count", |n| n.text.as_str()),
                ScalarType::Long,
            )]),
            OpKind::Distinct(items) => {
                if items.len() == 1 && matches!(items[0].expr.kind, ExprKind::Star) {
                    if let Some(c) = input
                        .cols
                        .as_ref()
                        .and_then(|cols| cols.iter().find(|c| c.ty == ScalarType::Dynamic))
                    {
                        let msg = format!(
                            "`distinct *` includes the `dynamic` column `{}`, which cannot be a distinct key",
                            c.name
                        );
                        let help = Some(
                            "list the columns, converting dynamic ones with `tostring(...)`"
                                .to_string(),
                        );
                        self.error(DYNAMIC_KEY, items[0].expr.range.clone(), msg, help);
                    }
                    return input;
                }
                let mut out = Schema::known(Vec::new());
                self.column_counter = 0;
                self.check_declared(items, Vec::new());
                for item in items {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    self.check_not_dynamic(&item.expr, t, "a `distinct` key");
                    self.assign(&mut out, item, t, Some(&input));
                }
                out
            }
            OpKind::Join {
                params,
                right,
                condition,
                lookup,
            } => self.join(input, params, right, condition, *lookup),
            OpKind::Union { params, sources } => {
                let fuzzy = params
                    .iter()
                    .any(|p| p.name == "isfuzzy" && p.value.eq_ignore_ascii_case("true"));
                let mut schemas = Vec::new();
                if !source {
                    schemas.push(input);
                }
                let saved_missing = std::mem::replace(&mut self.fuzzy_missing, false);
                if fuzzy {
                    self.fuzzy += 1;
                }
                for s in sources {
                    if let ExprKind::Name(n) = &s.kind
                        && n.contains('*')
                    {
                        schemas.push(Schema::unknown());
                        continue;
                    }
                    let sch = self.tabular(s, None);
                    schemas.push(sch);
                }
                if fuzzy {
                    self.fuzzy -= 1;
                }
                // a fuzzy union with a missing operand: its columns are not statically known
                let missing = std::mem::replace(&mut self.fuzzy_missing, saved_missing);
                let mut out = union_schemas(&schemas);
                out.open |= missing;
                if let Some(p) = params.iter().find(|p| p.name == "withsource")
                    && let Some(cols) = &mut out.cols
                {
                    cols.insert(0, Column::new(p.value.clone(), ScalarType::String));
                }
                out
            }
            OpKind::MvExpand { params, items, .. } => {
                let mut out = input.clone();
                self.expand_items(&input, &mut out, items);
                with_itemindex(&mut out, params);
                out
            }
            OpKind::MvApply {
                params, items, sub, ..
            } => {
                let mut expanded = input.clone();
                self.expand_items(&input, &mut expanded, items);
                with_itemindex(&mut expanded, params);
                let sub_out = self.tabular(sub, Some(&expanded));
                match (input.cols, sub_out.cols) {
                    (Some(mut cols), Some(sc)) => {
                        for c in sc {
                            set_or_push(&mut cols, &c.name, c.ty);
                        }
                        Schema::known(cols)
                    }
                    _ => Schema::unknown(),
                }
            }
            OpKind::Parse { source, parts, .. } => {
                self.expr(source, row(&input));
                let mut out = input;
                let mut declared: Vec<&str> = Vec::new();
                for p in parts {
                    if let ParsePart::Column(c) = p {
                        if declared.contains(&c.name.text.as_str()) {
                            self.duplicate(&c.name);
                        }
                        declared.push(&c.name.text);
                        out.set(
                            &c.name.text,
                            ScalarType::from_name(&c.ty).unwrap_or(ScalarType::Unknown),
                        );
                    }
                }
                out
            }
            OpKind::ParseKv { source, columns } => {
                self.expr(source, row(&input));
                let mut out = input;
                for c in columns {
                    out.set(
                        &c.name.text,
                        ScalarType::from_name(&c.ty).unwrap_or(ScalarType::Unknown),
                    );
                }
                out
            }
            OpKind::Evaluate(call) => {
                if let ExprKind::Call { name, args } = &call.kind {
                    // plugin arguments may name columns of other tables (`ipv4_lookup(T, ip, Network)`):
                    // check them against an open view of the input
                    let open_input = Schema {
                        cols: input.cols.clone(),
                        open: true,
                    };
                    // plugins such as `pivot(col, sum(x))` take aggregations
                    let values: Vec<Value> = args
                        .iter()
                        .map(|a| {
                            self.expr(
                                a,
                                Some(Row {
                                    schema: Some(&open_input),
                                    aggregate: true,
                                }),
                            )
                        })
                        .collect();
                    if let Some(b) = builtins::get(Kind::Plugin, &name.text) {
                        self.check_arity(
                            &name.text,
                            name.range.clone(),
                            args.len(),
                            b.min as usize,
                            b.max as usize,
                        );
                        // `ipv4_lookup(T, ip, key)`: the input's columns plus the lookup table's
                        if matches!(name.text.as_str(), "ipv4_lookup" | "ipv6_lookup")
                            && let (Some(cols), Some(Value::Tabular(lookup))) =
                                (&input.cols, values.first())
                            && let Some(lookup_cols) = &lookup.cols
                        {
                            let mut out = cols.clone();
                            for c in lookup_cols {
                                if !out.iter().any(|o| o.name == c.name) {
                                    out.push(c.clone());
                                }
                            }
                            return Schema {
                                cols: Some(out),
                                open: input.open || lookup.open,
                            };
                        }
                        self.unsupported
                            .insert(format!("output schema of plugin `{}`", name.text));
                    } else {
                        let help = suggest(&name.text, builtins::names(Kind::Plugin))
                            .map(|s| format!("did you mean `{s}`?"));
                        self.error(
                            UNKNOWN_FUNCTION,
                            name.range.clone(),
                            format!("unknown plugin `{}`", name.text),
                            help,
                        );
                    }
                }
                Schema::unknown()
            }
            OpKind::MakeSeries {
                aggs,
                defaults,
                axis,
                range_exprs,
                by,
                ..
            } => {
                for d in defaults.iter().flatten() {
                    self.expr(d, None);
                }
                let mut cols = Vec::new();
                self.column_counter = 0;
                for item in by {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    for n in self.item_names(item, t, Some(&input)) {
                        push_unique(&mut cols, &n.0, n.1);
                    }
                }
                let _ = self.expr(axis, row(&input));
                let axis_name = expr_name(axis, self.src, Some(&input));
                for r in range_exprs {
                    self.expr(r, None);
                }
                for item in aggs {
                    let agg_row = Some(Row {
                        schema: Some(&input),
                        aggregate: true,
                    });
                    self.expr(&item.expr, agg_row);
                    self.check_aggregated(&item.expr, false);
                    let name = match item.names.first() {
                        Some(n) => n.text.clone(),
                        None => self
                            .aggregate_columns(&item.expr, &input, ScalarType::Dynamic)
                            .and_then(|v| v.into_iter().next().map(|c| c.0.name))
                            .unwrap_or_else(|| "Column1".into()),
                    };
                    push_unique(&mut cols, &name, ScalarType::Dynamic);
                }
                // by-columns, then the series, then the axis (as Kusto orders them)
                if let Some(n) = axis_name {
                    push_unique(&mut cols, &n, ScalarType::Dynamic);
                }
                if input.is_known() {
                    Schema::known(cols)
                } else {
                    Schema::unknown()
                }
            }
            OpKind::As(name) => {
                // `| as T1` names the result so later parts of the query can use `T1`
                self.scope
                    .push(name.text.clone(), Binding::Tabular(input.clone()));
                input
            }
            OpKind::Render => input,
            OpKind::Invoke(e) => {
                self.expr(e, None);
                Schema::unknown()
            }
            OpKind::Partition { by, sub } => {
                self.expr(by, row(&input));
                self.tabular(sub, Some(&input))
            }
            OpKind::Print(items) => {
                let mut out = Schema::known(Vec::new());
                self.column_counter = 0;
                // only explicit names count: a bare `x` in print is `print_<n>`, not `x`
                let named: Vec<NamedExpr> = items
                    .iter()
                    .filter(|i| !i.names.is_empty())
                    .cloned()
                    .collect();
                self.check_declared(&named, Vec::new());
                // unnamed items are `print_<position>`, whatever the expression
                for (i, item) in items.iter().enumerate() {
                    let t = self.expr(&item.expr, None).ty();
                    if item.names.is_empty() {
                        out.set(&format!("print_{i}"), t);
                    } else {
                        self.assign(&mut out, item, t, None);
                    }
                }
                out
            }
            OpKind::Range { name, bounds } => {
                let mut t = ScalarType::Long;
                for (i, b) in bounds.iter().enumerate() {
                    let bt = self.expr(b, None).ty();
                    if i == 0 {
                        t = bt;
                    }
                }
                Schema::known(vec![Column::new(name.text.clone(), t)])
            }
            OpKind::Getschema => Schema::known(vec![
                Column::new("ColumnName", ScalarType::String),
                Column::new("ColumnOrdinal", ScalarType::Int),
                Column::new("DataType", ScalarType::String),
                Column::new("ColumnType", ScalarType::String),
            ]),
            OpKind::Opaque(_) => Schema::unknown(),
        }
    }

    /// project-away / keep / reorder / rename operand: must exist unless it is a wildcard pattern.
    pub(super) fn check_pattern(&mut self, s: &Schema, p: &crate::ast::Name) {
        if p.text.contains('*') || !s.is_closed() || s.get(&p.text).is_some() {
            return;
        }
        let cols = s.cols.as_deref().unwrap_or_default();
        let help = suggest(&p.text, cols.iter().map(|c| c.name.as_str()))
            .map(|x| format!("did you mean `{x}`?"));
        self.error(
            UNKNOWN_COLUMN,
            p.range.clone(),
            format!("unknown column `{}`", p.text),
            help,
        );
    }

    /// Adds an `extend`/`project` item to `out`.
    pub(super) fn assign(
        &mut self,
        out: &mut Schema,
        item: &NamedExpr,
        t: ScalarType,
        row: Option<&Schema>,
    ) {
        for (n, ty) in self.item_names(item, t, row) {
            out.set(&n, ty);
        }
    }

    /// Names (and types) an item produces: explicit names, or the derived name, or `ColumnN`.
    pub(super) fn item_names(
        &mut self,
        item: &NamedExpr,
        t: ScalarType,
        row: Option<&Schema>,
    ) -> Vec<(String, ScalarType)> {
        if !item.names.is_empty() {
            return item
                .names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    (
                        n.text.clone(),
                        if i == 0 && item.names.len() == 1 {
                            t
                        } else {
                            ScalarType::Unknown
                        },
                    )
                })
                .collect();
        }
        if let Some(n) = expr_name(&item.expr, self.src, row) {
            vec![(n, t)]
        } else {
            vec![(self.next_column(), t)]
        }
    }

    /// Columns an unnamed aggregation produces; the bool marks `*` expansions (not renamed on clash).
    #[allow(clippy::many_single_char_names)]
    pub(super) fn aggregate_columns(
        &mut self,
        e: &Expr,
        input: &Schema,
        t: ScalarType,
    ) -> Option<Vec<(Column, bool)>> {
        let ExprKind::Call { name, args } = &e.kind else {
            let n = expr_name(e, self.src, Some(input)).unwrap_or_else(|| self.next_column());
            return Some(vec![(Column::new(n, t), false)]);
        };
        let fname = name.text.as_str();
        if fname == "take_anyif" {
            let n = args
                .first()
                .and_then(|a| expr_name(a, self.src, Some(input)))
                .unwrap_or_else(|| self.next_column());
            let ty = args
                .first()
                .map_or(ScalarType::Unknown, |a| self.type_of_quiet(a, input));
            return Some(vec![(Column::new(n, ty), false)]);
        }
        if matches!(
            fname,
            "arg_max" | "arg_min" | "argmax" | "argmin" | "take_any"
        ) {
            let mut out = Vec::new();
            for (i, a) in args.iter().enumerate() {
                if matches!(a.kind, ExprKind::Star) {
                    out.extend(input.cols.as_ref()?.iter().map(|c| (c.clone(), true)));
                    continue;
                }
                let ty = self.type_of_quiet(a, input);
                let n = match &a.kind {
                    ExprKind::NamedArg { name, .. } => Some(name.text.clone()),
                    _ => expr_name(a, self.src, Some(input)),
                };
                let n = n.unwrap_or_else(|| {
                    if i == 0 {
                        format!("{fname}_")
                    } else {
                        self.next_column()
                    }
                });
                out.push((Column::new(n, ty), false));
            }
            return Some(out);
        }
        let b =
            builtins::get(Kind::Aggregate, fname).or_else(|| builtins::get(Kind::Scalar, fname));
        let Some(b) = b else {
            return Some(vec![(Column::new(self.next_column(), t), false)]);
        };
        let first = args
            .first()
            .and_then(|a| expr_name(a, self.src, Some(input)));
        if matches!(fname, "percentile" | "percentilew") && args.len() >= 2 {
            let v = self
                .src
                .get(args[args.len() - 1].range.clone())
                .unwrap_or("")
                .trim()
                .replace('.', "_");
            return Some(vec![(
                Column::new(format!("percentile_{}_{v}", first.unwrap_or_default()), t),
                false,
            )]);
        }
        let n = match b.name_kind {
            1 => format!("{}_{}", b.name, first.unwrap_or_default()),
            3 | 4 => format!(
                "{}_{}",
                if b.prefix.is_empty() {
                    b.name
                } else {
                    b.prefix
                },
                first.unwrap_or_default()
            ),
            6 => format!(
                "{}_",
                if b.prefix.is_empty() {
                    b.name
                } else {
                    b.prefix
                }
            ),
            7 | 8 => first.unwrap_or_else(|| self.next_column()),
            _ => self.next_column(),
        };
        Some(vec![(Column::new(n, t), false)])
    }

    pub(super) fn next_column(&mut self) -> String {
        self.column_counter += 1;
        format!("Column{}", self.column_counter)
    }

    /// The type of `e` over `input`, without reporting anything (already reported).
    pub(super) fn type_of_quiet(&mut self, e: &Expr, input: &Schema) -> ScalarType {
        let mark = self.diags.len();
        let t = self
            .expr(
                e,
                Some(Row {
                    schema: Some(input),
                    aggregate: true,
                }),
            )
            .ty();
        self.diags.truncate(mark);
        t
    }

    pub(super) fn expand_items(&mut self, input: &Schema, out: &mut Schema, items: &[MvItem]) {
        for item in items {
            self.expr(
                &item.expr,
                Some(Row {
                    schema: Some(input),
                    aggregate: false,
                }),
            );
            let ty = item
                .to_type
                .as_deref()
                .and_then(ScalarType::from_name)
                .unwrap_or(ScalarType::Dynamic);
            let name = item
                .name
                .as_ref()
                .map(|n| n.text.clone())
                .or_else(|| expr_name(&item.expr, self.src, Some(input)));
            if let Some(n) = name {
                out.set(&n, ty);
            }
        }
    }

    pub(super) fn join(
        &mut self,
        left: Schema,
        params: &[OpParam],
        right: &Expr,
        condition: &JoinCondition,
        lookup: bool,
    ) -> Schema {
        let right_schema = self.tabular(right, None);
        let mut keys: Vec<(String, String)> = Vec::new();
        match condition {
            JoinCondition::On(on) => {
                for cond in on {
                    self.join_condition(cond, &left, &right_schema, &mut keys);
                }
            }
            JoinCondition::Where(pred) => self.join_where(pred, &left, &right_schema),
        }
        let kind = params.iter().find(|p| p.name == "kind").map_or_else(
            || {
                if lookup {
                    "leftouter".into()
                } else {
                    "innerunique".into()
                }
            },
            |p| p.value.to_ascii_lowercase(),
        );
        match kind.as_str() {
            "leftsemi" | "leftanti" | "leftantisemi" | "anti" | "semi" => return left,
            "rightsemi" | "rightanti" | "rightantisemi" => return right_schema,
            _ => {}
        }
        let open = left.open || right_schema.open;
        let (Some(lc), Some(rc)) = (left.cols, right_schema.cols) else {
            return Schema::unknown();
        };
        let mut cols = lc;
        for c in rc {
            if lookup && keys.iter().any(|(l, r)| *r == c.name && *l == c.name) {
                continue;
            }
            push_unique(&mut cols, &c.name, c.ty);
        }
        Schema {
            cols: Some(cols),
            open,
        }
    }

    pub(super) fn join_condition(
        &mut self,
        cond: &Expr,
        left: &Schema,
        right: &Schema,
        keys: &mut Vec<(String, String)>,
    ) {
        match &cond.kind {
            ExprKind::Name(n) => {
                self.check_side(n, cond.range.clone(), left, "left");
                self.check_side(n, cond.range.clone(), right, "right");
                if left.get(n).is_some_and(|c| c.ty == ScalarType::Dynamic)
                    || right.get(n).is_some_and(|c| c.ty == ScalarType::Dynamic)
                {
                    self.dynamic_join_key(cond.range.clone(), n, n);
                }
                keys.push((n.clone(), n.clone()));
            }
            ExprKind::Binary { op, lhs, rhs } if op == "==" || op == "=" || op == "and" => {
                if op == "and" {
                    self.join_condition(lhs, left, right, keys);
                    self.join_condition(rhs, left, right, keys);
                    return;
                }
                let l = self.side_ref(lhs, left, right);
                let r = self.side_ref(rhs, left, right);
                if let (Some(l), Some(r)) = (l, r) {
                    let dynamic = left.get(&l).is_some_and(|c| c.ty == ScalarType::Dynamic)
                        || right.get(&r).is_some_and(|c| c.ty == ScalarType::Dynamic);
                    if dynamic {
                        self.dynamic_join_key(cond.range.clone(), &l, &r);
                    }
                    keys.push((l, r));
                }
            }
            _ => {
                self.expr(cond, None);
            }
        }
    }

    /// `join … where <predicate>`: the predicate sees the columns of both sides (a bare name resolves on
    /// either), and `$left.x` / `$right.x` name one side.
    fn join_where(&mut self, pred: &Expr, left: &Schema, right: &Schema) {
        let both = Schema {
            cols: match (&left.cols, &right.cols) {
                (Some(l), Some(r)) => {
                    let mut cols = l.clone();
                    for c in r {
                        push_unique(&mut cols, &c.name, c.ty);
                    }
                    Some(cols)
                }
                _ => None,
            },
            open: left.open || right.open,
        };
        let saved = self.join_sides.replace((left.clone(), right.clone()));
        let v = self.expr(pred, row(&both));
        self.join_sides = saved;
        self.check_scalar(pred, &v);
        self.check_bool(pred, v.ty(), "a `join` condition", pred.range.clone());
    }

    /// `$left.a` / `$right.b`: checks the column on its side; returns the column name.
    pub(super) fn side_ref(&mut self, e: &Expr, left: &Schema, right: &Schema) -> Option<String> {
        if let ExprKind::Member { target, name } = &e.kind
            && let ExprKind::Name(side) = &target.kind
        {
            match side.as_str() {
                "$left" => self.check_side(&name.text, name.range.clone(), left, "left"),
                "$right" => self.check_side(&name.text, name.range.clone(), right, "right"),
                _ => {
                    self.expr(e, None);
                    return None;
                }
            }
            return Some(name.text.clone());
        }
        self.expr(e, None);
        None
    }

    pub(super) fn dynamic_join_key(&mut self, range: Range<usize>, l: &str, r: &str) {
        let what = if l == r {
            format!("`{l}`")
        } else {
            format!("`{l}` / `{r}`")
        };
        self.error(
            DYNAMIC_KEY,
            range,
            format!("join key {what} is `dynamic`"),
            Some("convert the key on both sides first, e.g. `extend Key = tostring(...)`".into()),
        );
    }

    pub(super) fn check_side(&mut self, n: &str, range: Range<usize>, s: &Schema, side: &str) {
        if s.get(n).is_some() || !s.is_closed() {
            return;
        }
        let cols = s.cols.as_deref().unwrap_or_default();
        let help = suggest(n, cols.iter().map(|c| c.name.as_str()))
            .map(|x| format!("did you mean `{x}`?"));
        self.error(
            UNKNOWN_COLUMN,
            range,
            format!("unknown column `{n}` on the {side} side of the join"),
            help,
        );
    }
}

/// `arg_max`, `arg_min`, `take_any`: aggregations whose result columns are named after their arguments.
fn is_arg_max(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call { name, .. }
        if matches!(name.text.as_str(), "arg_max" | "arg_min" | "argmax" | "argmin" | "take_any"))
}

/// `union isfuzzy=true …`.
fn is_fuzzy_union(op: &Operator) -> bool {
    matches!(&op.kind, OpKind::Union { params, .. }
        if params.iter().any(|p| p.name == "isfuzzy" && p.value.eq_ignore_ascii_case("true")))
}

/// `mv-expand with_itemindex=Name` adds a `long` column.
fn with_itemindex(out: &mut Schema, params: &[OpParam]) {
    if let Some(p) = params.iter().find(|p| p.name == "with_itemindex") {
        out.set(&p.value, ScalarType::Long);
    }
}

/// Sets the type of column `name`, adding it at the end if missing.
fn set_or_push(cols: &mut Vec<Column>, name: &str, ty: ScalarType) {
    if let Some(c) = cols.iter_mut().find(|c| c.name == name) {
        c.ty = ty;
    } else {
        cols.push(Column::new(name, ty));
    }
}

/// The schema declared by `datatable`/`externaldata`/tabular parameters.
pub(super) fn decl_schema(columns: &[ColumnDecl]) -> Schema {
    Schema::known(
        columns
            .iter()
            .map(|c| {
                Column::new(
                    c.name.text.clone(),
                    ScalarType::from_name(&c.ty).unwrap_or(ScalarType::Unknown),
                )
            })
            .collect(),
    )
}

/// Union of schemas by column name (Kusto `kind=outer`); the same name with different known types
/// becomes `name_type` columns; open if any input is open.
fn union_schemas(schemas: &[Schema]) -> Schema {
    let mut out: Vec<Column> = Vec::new();
    let mut clashes: Vec<String> = Vec::new();
    let open = schemas.iter().any(|s| s.open);
    for s in schemas {
        let Some(cols) = &s.cols else {
            return Schema::unknown();
        };
        for c in cols {
            match out.iter_mut().find(|o| o.name == c.name) {
                Some(o) if o.ty == c.ty || c.ty == ScalarType::Unknown => {}
                Some(o) if o.ty == ScalarType::Unknown => o.ty = c.ty,
                Some(_) => clashes.push(c.name.clone()),
                None => out.push(c.clone()),
            }
        }
    }
    if !clashes.is_empty() {
        // name_type columns for every type the clashing name has
        let mut renamed = Vec::new();
        for c in &out {
            if clashes.contains(&c.name) {
                for s in schemas {
                    for sc in s.cols.as_deref().unwrap_or_default() {
                        if sc.name == c.name {
                            let n = format!("{}_{}", sc.name, sc.ty.kql_name());
                            if !renamed.iter().any(|r: &Column| r.name == n) {
                                renamed.push(Column::new(n, sc.ty));
                            }
                        }
                    }
                }
            } else {
                renamed.push(c.clone());
            }
        }
        out = renamed;
    }
    Schema {
        cols: Some(out),
        open,
    }
}
