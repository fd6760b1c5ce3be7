//! The Log Analytics query API (`/v1/workspaces/{customerId}/query`) over rows loaded with the admin API.

use arm_emulator::Config;
use serde_json::{Value, json};

use crate::common::*;

const LA: &str = "2025-02-01";
const TABLE: &str = "OnePasswordEventLogs_CL";

async fn la_token(h: &Harness) -> String {
    token_for(
        &h.http,
        &h.emu,
        "https%3A%2F%2Fapi.loganalytics.io%2F.default",
    )
    .await
}

async fn customer_id(h: &Harness) -> String {
    let ws = h.get(&format!("{WS}?api-version={LA}")).await;
    assert_eq!(ws.status, 200, "{}", ws.body);
    ws.body["properties"]["customerId"]
        .as_str()
        .expect("customerId")
        .to_string()
}

/// A harness whose workspace has the 1Password table and three rows.
async fn loaded() -> Harness {
    let h = setup(Config::default()).await;
    let t = h
        .admin(
            "POST",
            "tables",
            Some(&json!({"workspace": WS, "name": TABLE, "columns": [
                {"name": "TimeGenerated", "type": "dateTime"},
                {"name": "User", "type": "string"},
                {"name": "Attempts", "type": "long"},
                {"name": "Success", "type": "boolean"},
                {"name": "Score", "type": "real"},
                {"name": "Details", "type": "dynamic"},
            ]})),
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
    let r = h
        .admin(
            "POST",
            "rows",
            Some(&json!({"workspace": WS, "table": TABLE, "rows": [
                {"TimeGenerated": "2024-01-01T10:00:00Z", "User": "alice", "Attempts": 3, "Success": false, "Score": 0.5, "Details": {"country": "NL"}},
                {"TimeGenerated": "2024-01-01T11:00:00Z", "User": "bob", "Attempts": "1", "Success": true, "Score": 1.25},
                {"TimeGenerated": "2024-01-03T09:30:00Z", "User": "alice", "Attempts": 7, "Success": true, "Details": "[1,2]"},
            ]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["rows"], 3);
    h
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn query(h: &Harness, token: Option<&str>, customer: &str, body: &Value) -> Answer {
    let mut req = h
        .http
        .post(h.url(&format!("/v1/workspaces/{customer}/query")))
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn a_query_answers_the_loaded_rows_with_log_analytics_types() {
    let h = loaded().await;
    let token = la_token(&h).await;
    let id = customer_id(&h).await;
    let a = query(
        &h,
        Some(&token),
        &id,
        &json!({"query": format!("{TABLE} | where User == 'alice' | project TimeGenerated, User, Attempts, Success, Score, Details | order by TimeGenerated asc")}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body,
        json!({"tables": [{
            "name": "PrimaryResult",
            "columns": [
                {"name": "TimeGenerated", "type": "datetime"},
                {"name": "User", "type": "string"},
                {"name": "Attempts", "type": "long"},
                {"name": "Success", "type": "bool"},
                {"name": "Score", "type": "real"},
                {"name": "Details", "type": "dynamic"},
            ],
            "rows": [
                ["2024-01-01T10:00:00Z", "alice", 3, false, 0.5, "{\"country\":\"NL\"}"],
                ["2024-01-03T09:30:00Z", "alice", 7, true, null, "[1,2]"],
            ],
        }]})
    );
    // GET with ?query= answers the same way; a summarize names its columns as Kusto does.
    let q = format!("{TABLE} | summarize n = count() by User | order by User asc");
    let resp = h
        .http
        .get(h.url(&format!(
            "/v1/workspaces/{id}/query?query={}",
            percent_encode(&q)
        )))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["tables"][0]["rows"],
        json!([["alice", 2], ["bob", 1]]),
        "{v}"
    );
}

#[tokio::test]
async fn saved_functions_are_callable() {
    let h = loaded().await;
    let s = h
        .put(
            &format!("{WS}/savedSearches/failed?api-version={LA}"),
            &json!({"properties": {"category": "1Password", "displayName": "failed", "query": format!("{TABLE} | where Success == false"), "functionAlias": "FailedSignIns"}}),
        )
        .await;
    assert_eq!(s.status, 200, "{}", s.body);
    let token = la_token(&h).await;
    let id = customer_id(&h).await;
    let a = query(
        &h,
        Some(&token),
        &id,
        &json!({"query": "FailedSignIns | project User"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["tables"][0]["rows"], json!([["alice"]]));
}

#[tokio::test]
async fn timespan_restricts_time_generated() {
    let h = loaded().await;
    let token = la_token(&h).await;
    let id = customer_id(&h).await;
    let q = format!("{TABLE} | project User, TimeGenerated | order by TimeGenerated asc");
    let a = query(
        &h,
        Some(&token),
        &id,
        &json!({"query": q, "timespan": "2024-01-01T10:30:00Z/P1D"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body["tables"][0]["rows"],
        json!([["bob", "2024-01-01T11:00:00Z"]])
    );
    // A duration is the period ending now: these 2024 rows are all older than a day.
    let a = query(
        &h,
        Some(&token),
        &id,
        &json!({"query": q, "timespan": "P1D"}),
    )
    .await;
    assert_eq!(a.body["tables"][0]["rows"], json!([]), "{}", a.body);
    let a = query(
        &h,
        Some(&token),
        &id,
        &json!({"query": q, "timespan": "yesterday"}),
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "BadArgumentError");
}

#[tokio::test]
async fn a_syntax_error_is_a_bad_argument() {
    let h = loaded().await;
    let token = la_token(&h).await;
    let id = customer_id(&h).await;
    let a = query(
        &h,
        Some(&token),
        &id,
        &json!({"query": format!("{TABLE} | where")}),
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "BadArgumentError");
    assert!(a.body["error"]["message"].is_string());
    assert_eq!(a.body["error"]["innererror"]["code"], "SyntaxError");
    assert!(
        a.body["error"]["innererror"]["innererror"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        a.body
    );
    // an unknown table is a semantic error
    let a = query(
        &h,
        Some(&token),
        &id,
        &json!({"query": "NoSuchTable_CL | take 1"}),
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.body["error"]["innererror"]["code"], "SemanticError");
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_401() {
    let h = loaded().await;
    let id = customer_id(&h).await;
    let body = json!({"query": "print 1"});
    let a = query(&h, None, &id, &body).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "AuthorizationRequiredError");
    assert!(a.headers.contains_key("www-authenticate"));
    let a = query(&h, Some("not-a-token"), &id, &body).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["error"]["code"], "InvalidTokenError");
    // an ARM token is for another audience
    let a = query(&h, Some(&h.token), &id, &body).await;
    assert_eq!(a.status, 401, "{}", a.body);
    // and the query token does not open ARM
    let token = la_token(&h).await;
    let resp = h
        .http
        .get(h.url(&format!("{WS}?api-version={LA}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn an_unknown_workspace_is_404() {
    let h = loaded().await;
    let token = la_token(&h).await;
    let a = query(
        &h,
        Some(&token),
        "00000000-0000-0000-0000-000000000001",
        &json!({"query": "print 1"}),
    )
    .await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "WorkspaceNotFoundError");
}

#[tokio::test]
async fn rows_are_checked_against_the_table_when_loaded() {
    let h = loaded().await;
    for (rows, needle) in [
        (json!([{"Attempts": "many"}]), "column 'Attempts'"),
        (json!([{"Nope": 1}]), "no column 'Nope'"),
        (json!([1]), "row 0"),
    ] {
        let r = h
            .admin(
                "POST",
                "rows",
                Some(&json!({"workspace": WS, "table": TABLE, "rows": rows})),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
        let m = r.body["error"]["message"].as_str().unwrap();
        assert!(m.contains(needle), "{m}");
    }
    let r = h
        .admin(
            "POST",
            "rows",
            Some(&json!({"workspace": WS, "table": "Missing_CL", "rows": []})),
        )
        .await;
    assert_eq!(r.status, 400);
    // the rows are part of the state (and so of the state file)
    let st = h.admin("GET", "state", None).await;
    assert_eq!(
        st.body["workspaces"][0]["rows"][TABLE]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let d = h
        .admin(
            "DELETE",
            "rows",
            Some(&json!({"workspace": WS, "table": TABLE})),
        )
        .await;
    assert_eq!(d.status, 204);
    let st = h.admin("GET", "state", None).await;
    assert!(st.body["workspaces"][0].get("rows").is_none());
}

#[tokio::test]
async fn watchlists_are_read_with_get_watchlist() {
    let h = loaded().await;
    let raw = "VaultId,Name\nv1,Finance\nv2,HR\n";
    let w = h
        .put(
            &format!(
                "{WS}/providers/Microsoft.SecurityInsights/watchlists/Vaults?api-version={STABLE}"
            ),
            &json!({"properties": {"displayName": "Vaults", "provider": "sentinelctl", "itemsSearchKey": "VaultId", "source": "vaults.csv", "rawContent": raw, "contentType": "text/csv", "sourceType": "Local"}}),
        )
        .await;
    assert_eq!(w.status, 201, "{}", w.body);
    let token = la_token(&h).await;
    let id = customer_id(&h).await;
    let a = query(
        &h,
        Some(&token),
        &id,
        &json!({"query": "_GetWatchlist('Vaults') | project SearchKey, Name | order by SearchKey asc"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body["tables"][0]["rows"],
        json!([["v1", "Finance"], ["v2", "HR"]])
    );
}
