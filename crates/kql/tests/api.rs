//! The public API as the lead calls it: messages, help, precise ranges, output columns, referenced names.

use sentinel_kql::{
    Analysis, CODES, Catalog, Column, FunctionDecl, Param, ScalarType, Severity, Table, analyze,
};

fn catalog() -> Catalog {
    let mut c = Catalog::new();
    c.add_table(Table {
        name: "OnePasswordEventLogs_CL".into(),
        columns: vec![
            Column::new("TimeGenerated", ScalarType::DateTime),
            Column::new("actor_details", ScalarType::Dynamic),
            Column::new("actor_uuid", ScalarType::String),
            Column::new("category", ScalarType::String),
            Column::new("log_source", ScalarType::String),
        ],
    });
    c.add_function(FunctionDecl {
        name: "OnePasswordSignIns".into(),
        params: vec![Param { name: "lookback".into(), ty: "timespan".into(), default: Some("1d".into()) }],
        body: "OnePasswordEventLogs_CL | where TimeGenerated > ago(lookback) | where log_source == 'signinattempts' \
               | extend ActorEmail = tostring(actor_details.email)"
            .into(),
    });
    c.add_function(FunctionDecl {
        name: "Broken".into(),
        params: vec![],
        body: "OnePasswordEventLogs_CL | where nope == 1".into(),
    });
    c
}

fn errors(a: &Analysis) -> Vec<(&'static str, &str, Option<&str>)> {
    a.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code, d.message.as_str(), d.help.as_deref()))
        .collect()
}

#[test]
fn unknown_column_has_a_precise_range_and_a_suggestion() {
    let q = "OnePasswordEventLogs_CL\n| where actor_detail.email == 'a@b.c'";
    let a = analyze(q, &catalog());
    assert_eq!(
        errors(&a),
        vec![(
            "SC2003",
            "unknown column `actor_detail`",
            Some("did you mean `actor_details`?")
        )]
    );
    let d = &a.diagnostics[0];
    assert_eq!(&q[d.range.clone()], "actor_detail");
    assert_eq!(d.name, "kql-unknown-column");
}

#[test]
fn unknown_table_and_function_suggest_close_names() {
    let a = analyze("OnePasswordEventLog_CL | take 1", &catalog());
    assert_eq!(
        errors(&a),
        vec![(
            "SC2002",
            "unknown table `OnePasswordEventLog_CL`",
            Some("did you mean `OnePasswordEventLogs_CL`?")
        )]
    );
    let a = analyze(
        "OnePasswordEventLogs_CL | extend e = toString(actor_details.email)",
        &catalog(),
    );
    assert_eq!(
        errors(&a),
        vec![(
            "SC2004",
            "unknown function `toString`",
            Some("did you mean `tostring`?")
        )]
    );
}

#[test]
fn wrong_arity_names_the_expected_count() {
    let a = analyze(
        "OnePasswordEventLogs_CL | where TimeGenerated > ago()",
        &catalog(),
    );
    assert_eq!(
        errors(&a),
        vec![("SC2005", "function `ago` expects 1 argument, got 0", None)]
    );
    let a = analyze("OnePasswordSignIns(1d, 2d)", &catalog());
    assert_eq!(
        errors(&a)[0].1,
        "function `OnePasswordSignIns` expects between 0 and 1 arguments, got 2"
    );
}

#[test]
fn columns_are_tracked_through_saved_functions() {
    let c = catalog();
    let a = analyze(
        "OnePasswordSignIns(7d) | summarize Attempts = count() by ActorEmail",
        &c,
    );
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    let cols: Vec<(String, ScalarType)> = a
        .output_columns
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.ty))
        .collect();
    assert_eq!(
        cols,
        vec![
            ("ActorEmail".into(), ScalarType::String),
            ("Attempts".into(), ScalarType::Long)
        ]
    );
    assert_eq!(a.functions, vec!["OnePasswordSignIns".to_string()]);
    assert_eq!(a.tables, Vec::<String>::new());
    let out = c.function_output_columns("OnePasswordSignIns").unwrap();
    assert_eq!(out.last().unwrap().name, "ActorEmail");
}

#[test]
fn a_broken_saved_function_is_a_warning_at_the_call() {
    let a = analyze("Broken | take 1", &catalog());
    assert!(!a.has_errors());
    let w = &a.diagnostics[0];
    assert_eq!((w.code, w.severity), ("SC2006", Severity::Warning));
}

#[test]
fn watchlists_and_plugins_stop_column_checks() {
    let a = analyze(
        "_GetWatchlist('PV1PW') | where VaultName == 'x' | project SearchKey",
        &catalog(),
    );
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    assert!(a.output_columns.is_some(), "project gives known columns");
    let a = analyze(
        "OnePasswordEventLogs_CL | evaluate bag_unpack(actor_details) | where email == 'x'",
        &catalog(),
    );
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    assert_eq!(a.output_columns, None);
    assert_eq!(
        a.unsupported,
        vec!["output schema of plugin `bag_unpack`".to_string()]
    );
}

#[test]
fn datatable_and_externaldata_schemas_come_from_their_declarations() {
    let a = analyze(
        "datatable(Code:string, Risk:int) ['CA', 1] | where Risk > 0 | project Code",
        &catalog(),
    );
    assert!(a.diagnostics.is_empty());
    assert_eq!(
        a.output_columns.unwrap(),
        vec![Column::new("Code", ScalarType::String)]
    );
    let a = analyze(
        "externaldata(Network:string) [@'https://x/y.csv'] | where Netwrk == 'x'",
        &catalog(),
    );
    assert_eq!(
        errors(&a),
        vec![(
            "SC2003",
            "unknown column `Netwrk`",
            Some("did you mean `Network`?")
        )]
    );
}

#[test]
fn syntax_errors_point_at_the_problem() {
    let q = "OnePasswordEventLogs_CL | where category == 'x' |";
    let a = analyze(q, &catalog());
    assert_eq!(a.diagnostics.len(), 1);
    assert_eq!(a.diagnostics[0].code, "SC2001");
    assert_eq!(a.diagnostics[0].range, q.len()..q.len());
    assert_eq!(
        a.output_columns, None,
        "no result schema for a query that does not parse"
    );
}

#[test]
fn codes_are_unique_and_documented() {
    let mut seen = std::collections::BTreeSet::new();
    for (code, name, doc) in CODES {
        assert!(code.starts_with("SC20") && code.len() == 6, "{code}");
        assert!(seen.insert(*code), "duplicate {code}");
        assert!(name.starts_with("kql-"), "{name}");
        for part in ["What it checks", "Why", "Example", "Fix"] {
            assert!(doc.contains(part), "{code} doc lacks `{part}`");
        }
    }
    // every code a diagnostic can carry is documented
    for q in [
        "x |",
        "Nope",
        "OnePasswordEventLogs_CL | where zz",
        "OnePasswordEventLogs_CL | extend f()",
        "print ago()",
    ] {
        for d in analyze(q, &catalog()).diagnostics {
            assert!(
                CODES.iter().any(|(c, n, _)| *c == d.code && *n == d.name),
                "{} undocumented",
                d.code
            );
        }
    }
}

#[test]
fn catalog_and_analysis_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Catalog>();
    assert_send_sync::<Analysis>();
    let c = std::sync::Arc::new(catalog());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || {
                analyze("OnePasswordSignIns() | project ActorEmail", &c)
                    .diagnostics
                    .len()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 0);
    }
}

#[test]
fn get_watchlist_reads_the_catalog_watchlist_columns() {
    let mut c = catalog();
    c.add_watchlist(sentinel_kql::Watchlist {
        alias: "TrustedIps".into(),
        columns: vec!["IPAddress".into(), "Owner".into()],
    });
    let q =
        "_GetWatchlist('trustedips') | project SearchKey, IPAddress, Owner, WatchlistItem, Nope";
    let a = analyze(q, &c);
    let e = errors(&a);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, "SC2003");
    assert!(e[0].1.contains("Nope"), "{e:?}");
    assert_eq!(a.watchlists.len(), 1);
    assert_eq!(a.watchlists[0].alias, "trustedips");
    assert_eq!(&q[a.watchlists[0].range.clone()], "'trustedips'");
    assert!(a.watchlists[0].known);
    let cols: Vec<(&str, ScalarType)> = a
        .output_columns
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| (c.name.as_str(), c.ty))
        .collect();
    assert_eq!(cols[0], ("SearchKey", ScalarType::String));
    // an unknown alias: unknown schema (no column errors), reported as not known
    let a = analyze("_GetWatchlist(\"Other\") | project Anything", &c);
    assert!(errors(&a).is_empty());
    assert!(!a.watchlists[0].known);
}

#[test]
fn unterminated_string_literals_ending_in_a_wide_character_do_not_panic() {
    // found by tests/proptest.rs: the closing quote was cut off by byte, inside the character
    let c = catalog();
    for q in [
        "_GetWatchlist(\"$àଧ𑻦",
        "table('ab𑻦",
        "T | extend x = column_ifexists(\"é",
        "print x = ```abc𑻦",
        "print x = @'ü",
    ] {
        let a = analyze(q, &c);
        assert!(a.has_errors(), "{q}");
    }
    let a = analyze("_GetWatchlist(@'Trusted''Ips') | take 1", &c);
    assert_eq!(a.watchlists[0].alias, "Trusted'Ips");
}
