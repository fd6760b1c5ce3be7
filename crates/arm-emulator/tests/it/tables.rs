//! Tables (Tables.json 2025-02-01) and Sentinel's missing-table check on analytics rules.

use arm_emulator::{Config, SeedTable};
use serde_json::{Value, json};

use crate::common::*;

const LA: &str = "2025-02-01";

fn table_path(name: &str) -> String {
    format!("{WS}/tables/{name}?api-version={LA}")
}

fn saved_search_path(name: &str) -> String {
    format!("{WS}/savedSearches/{name}?api-version={LA}")
}

fn custom_table(columns: &[(&str, &str)]) -> Value {
    let cols: Vec<Value> = columns
        .iter()
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    json!({"properties": {"schema": {"name": "ignored", "columns": cols}, "retentionInDays": 30, "totalRetentionInDays": 90}})
}

fn rule_on(query: &str) -> Value {
    let mut r = scheduled_rule("table check");
    r["properties"]["query"] = json!(query);
    r
}

fn checking() -> Config {
    Config {
        check_rule_tables: true,
        ..Config::default()
    }
}

#[tokio::test]
async fn a_new_workspace_has_the_builtin_tables() {
    let h = setup(Config::default()).await;
    let list = h.get(&format!("{WS}/tables?api-version={LA}")).await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.get("nextLink").is_none(),
        "Tables LIST is one page"
    );
    let names: Vec<&str> = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for n in [
        "SecurityEvent",
        "SigninLogs",
        "AuditLogs",
        "SecurityIncident",
        "Watchlist",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let t = h.get(&table_path("signinlogs")).await;
    assert_eq!(t.status, 200);
    assert_eq!(t.body["name"], "SigninLogs");
    assert_eq!(
        t.body["type"],
        "Microsoft.OperationalInsights/workspaces/tables"
    );
    let p = &t.body["properties"];
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(p["plan"], "Analytics");
    assert_eq!(p["schema"]["tableType"], "Microsoft");
    assert_eq!(p["retentionInDays"], 30);
    assert_eq!(p["retentionInDaysAsDefault"], true);
    let std = p["schema"]["standardColumns"].as_array().unwrap();
    assert!(
        std.iter()
            .any(|c| c["name"] == "UserPrincipalName" && c["type"] == "string")
    );
    assert!(
        std.iter()
            .any(|c| c["name"] == "TimeGenerated" && c["type"] == "dateTime")
    );
    let missing = h.get(&table_path("Nope_CL")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["code"], "ResourceNotFound");
}

#[tokio::test]
async fn custom_tables_are_created_changed_and_deleted() {
    let h = setup(Config::default()).await;
    let body = custom_table(&[
        ("TimeGenerated", "dateTime"),
        ("actor", "dynamic"),
        ("n", "long"),
    ]);
    let mut named = body.clone();
    named["properties"]["schema"]["name"] = json!("Vendor_CL");
    let r = h.put(&table_path("Vendor_CL"), &named).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = &r.body["properties"];
    assert_eq!(p["schema"]["tableType"], "CustomLog");
    assert_eq!(p["schema"]["columns"][1]["name"], "actor");
    assert_eq!(p["schema"]["columns"][1]["isHidden"], false);
    assert_eq!(p["archiveRetentionInDays"], 60);
    assert_eq!(p["schema"]["standardColumns"][0]["name"], "TenantId");
    // PATCH merges: only the plan changes.
    let r = h
        .send(
            "PATCH",
            &table_path("Vendor_CL"),
            Some(&json!({"properties": {"plan": "Basic"}})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["properties"]["plan"], "Basic");
    assert_eq!(
        r.body["properties"]["schema"]["columns"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A mismatching schema name, a name without _CL, no TimeGenerated, a bad type: 400s.
    let bad = [
        (
            table_path("Vendor_CL"),
            {
                let mut b = body.clone();
                b["properties"]["schema"]["name"] = json!("Other_CL");
                b
            },
            "does not match",
        ),
        (table_path("Vendor2"), body.clone(), "_CL"),
        (
            table_path("NoTime_CL"),
            custom_table(&[("x", "string")]),
            "TimeGenerated",
        ),
        (
            table_path("Typed_CL"),
            custom_table(&[("TimeGenerated", "dateTime"), ("x", "text")]),
            "type",
        ),
        (
            table_path("Retention_CL"),
            json!({"properties": {"retentionInDays": 1000, "schema": {"columns": [{"name": "TimeGenerated", "type": "dateTime"}]}}}),
            "retentionInDays",
        ),
    ];
    for (path, b, needle) in bad {
        let mut b = b;
        if b["properties"]["schema"]["name"] == "ignored" {
            b["properties"]["schema"]
                .as_object_mut()
                .unwrap()
                .remove("name");
        }
        let r = h.put(&path, &b).await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{path}: {}",
            r.body
        );
    }
    // A built-in table's retention can be changed; it cannot be deleted.
    let r = h
        .put(
            &table_path("SecurityEvent"),
            &json!({"properties": {"retentionInDays": 90}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["properties"]["retentionInDays"], 90);
    assert_eq!(r.body["properties"]["schema"]["tableType"], "Microsoft");
    let r = h
        .send("DELETE", &table_path("SecurityEvent"), None, &[])
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        h.send("DELETE", &table_path("Vendor_CL"), None, &[])
            .await
            .status,
        200
    );
    assert_eq!(
        h.send("DELETE", &table_path("Vendor_CL"), None, &[])
            .await
            .status,
        204
    );
    assert_eq!(h.get(&table_path("Vendor_CL")).await.status, 404);
    assert_eq!(
        h.send(
            "POST",
            &format!("{WS}/tables/SigninLogs/migrate?api-version={LA}"),
            None,
            &[]
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn a_rule_on_a_missing_table_is_refused_until_the_table_exists() {
    let h = setup(checking()).await;
    let q = "OnePasswordEventLogs_CL | where category == 'auth' | take 1";
    let r = h.put(&rule_path("op", STABLE), &rule_on(q)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "BadRequest");
    let msg = r.body["error"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with(
            "Failed to run the analytics rule query. One of the tables does not exist."
        ),
        "{msg}"
    );
    assert!(msg.contains("'OnePasswordEventLogs_CL'"), "{msg}");
    assert_eq!(
        h.get(&rule_path("op", STABLE)).await.status,
        404,
        "nothing was written"
    );
    // NRT (preview) is checked the same way.
    let mut nrt = rule_on(q);
    nrt["kind"] = json!("NRT");
    for k in [
        "queryFrequency",
        "queryPeriod",
        "triggerOperator",
        "triggerThreshold",
    ] {
        nrt["properties"].as_object_mut().unwrap().remove(k);
    }
    assert_eq!(h.put(&rule_path("op-nrt", PREVIEW), &nrt).await.status, 400);
    let table = custom_table(&[("TimeGenerated", "dateTime"), ("category", "string")]);
    let mut t = table.clone();
    t["properties"]["schema"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert_eq!(
        h.put(&table_path("OnePasswordEventLogs_CL"), &t)
            .await
            .status,
        200
    );
    let r = h.put(&rule_path("op", STABLE), &rule_on(q)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Built-in tables are there from the start; names are case-sensitive as in KQL.
    assert_eq!(
        h.put(
            &rule_path("se", STABLE),
            &rule_on("SecurityEvent | where EventID == 4625")
        )
        .await
        .status,
        201
    );
    assert_eq!(
        h.put(
            &rule_path("se2", STABLE),
            &rule_on("securityevent | take 1")
        )
        .await
        .status,
        400
    );
    // let-bound names and fuzzy unions are not tables the workspace must have.
    let ok = "let T = SigninLogs | where ResultType != '0'; T | union isfuzzy=true (Missing_CL | take 1) | take 1";
    assert_eq!(
        h.put(&rule_path("let", STABLE), &rule_on(ok)).await.status,
        201
    );
}

#[tokio::test]
async fn a_rule_calling_a_saved_function_is_checked_through_its_body() {
    let h = setup(checking()).await;
    let func = |alias: &str, query: &str, params: &str| json!({"properties": {"category": "Functions", "displayName": alias, "query": query, "functionAlias": alias, "functionParameters": params}});
    assert_eq!(
        h.put(
            &saved_search_path("p1"),
            &func("VendorParser", "Vendor_CL | project TimeGenerated", "")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        h.put(
            &saved_search_path("p2"),
            &func("OuterParser", "VendorParser | take 10", "")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        h.put(
            &saved_search_path("p3"),
            &func(
                "Filter",
                "T | where TimeGenerated > ago(lookback)",
                "T:(TimeGenerated:datetime), lookback:timespan = 1d"
            )
        )
        .await
        .status,
        200
    );
    for (name, q) in [
        ("direct", "VendorParser | take 1"),
        ("nested", "OuterParser()"),
    ] {
        let r = h.put(&rule_path(name, STABLE), &rule_on(q)).await;
        assert_eq!(r.status, 400, "{name}: {}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("'Vendor_CL'")
        );
    }
    // A tabular parameter is not a table.
    assert_eq!(
        h.put(&rule_path("param", STABLE), &rule_on("Filter(SigninLogs)"))
            .await
            .status,
        201
    );
    let mut t = custom_table(&[("TimeGenerated", "dateTime")]);
    t["properties"]["schema"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert_eq!(h.put(&table_path("Vendor_CL"), &t).await.status, 200);
    assert_eq!(
        h.put(&rule_path("nested", STABLE), &rule_on("OuterParser()"))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn seeded_and_admin_tables_count_and_the_check_can_be_switched() {
    let h = setup(Config {
        check_rule_tables: true,
        seed_tables: vec![SeedTable {
            workspace_id: WS.to_string(),
            name: "OnePasswordEventLogs_CL".into(),
            columns: vec![
                ("TimeGenerated".into(), "dateTime".into()),
                ("actor_details".into(), "dynamic".into()),
            ],
        }],
        ..Config::default()
    })
    .await;
    let t = h.get(&table_path("OnePasswordEventLogs_CL")).await;
    assert_eq!(t.status, 200);
    assert_eq!(
        t.body["properties"]["schema"]["columns"][1]["name"],
        "actor_details"
    );
    assert_eq!(
        h.put(
            &rule_path("a", STABLE),
            &rule_on("OnePasswordEventLogs_CL | take 1")
        )
        .await
        .status,
        201
    );
    // The admin API removes a built-in table (a workspace without that connector) and adds one.
    let r = h
        .admin(
            "DELETE",
            "tables",
            Some(&json!({"workspace": WS, "name": "SigninLogs"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(h.get(&table_path("SigninLogs")).await.status, 404);
    assert_eq!(
        h.put(&rule_path("b", STABLE), &rule_on("SigninLogs | take 1"))
            .await
            .status,
        400
    );
    let r = h
        .admin("POST", "tables", Some(&json!({"workspace": WS, "name": "Okta_CL", "columns": [{"name": "TimeGenerated", "type": "dateTime"}]})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        h.put(&rule_path("c", STABLE), &rule_on("Okta_CL | take 1"))
            .await
            .status,
        201
    );
    let r = h.admin("POST", "tables", Some(&json!({"workspace": WS, "name": "Bad_CL", "columns": [{"name": "x", "type": "string"}]}))).await;
    assert_eq!(r.status, 400, "{}", r.body);
    // Switched off, the check no longer applies.
    let r = h
        .admin("PUT", "settings", Some(&json!({"checkRuleTables": false})))
        .await;
    assert_eq!(r.body["checkRuleTables"], false);
    assert_eq!(
        h.put(&rule_path("b", STABLE), &rule_on("SigninLogs | take 1"))
            .await
            .status,
        201
    );
    // Without the setting (the default), a rule on any table is accepted as before.
    let plain = setup(Config::default()).await;
    assert_eq!(
        plain
            .put(&rule_path("x", STABLE), &rule_on("Anything_CL | take 1"))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn a_seed_table_for_an_unknown_workspace_is_a_start_error() {
    let err = arm_emulator::start(Config {
        seed_tables: vec![SeedTable {
            workspace_id: WS.to_string(),
            name: "X_CL".into(),
            columns: vec![("TimeGenerated".into(), "dateTime".into())],
        }],
        ..Config::default()
    })
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("not one of the emulator's workspaces"),
        "{err}"
    );
}

#[tokio::test]
async fn tables_survive_a_restart_through_the_state_file() {
    let dir = std::env::temp_dir().join(format!("emu-tables-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = || Config {
        state_file: Some(dir.join("state.json")),
        workspaces: vec![WS.to_string()],
        ..Config::default()
    };
    let h = setup(config()).await;
    let mut t = custom_table(&[("TimeGenerated", "dateTime")]);
    t["properties"]["schema"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert_eq!(h.put(&table_path("Kept_CL"), &t).await.status, 200);
    assert_eq!(
        h.admin(
            "DELETE",
            "tables",
            Some(&json!({"workspace": WS, "name": "Syslog"}))
        )
        .await
        .status,
        204
    );
    h.emu.shutdown().await;
    let h = setup(config()).await;
    assert_eq!(h.get(&table_path("Kept_CL")).await.status, 200);
    assert_eq!(h.get(&table_path("Syslog")).await.status, 404);
    h.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
