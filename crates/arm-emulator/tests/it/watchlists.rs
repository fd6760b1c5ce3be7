//! Watchlists (asynchronous delete, rawContent, items with paging and etags), automation rules
//! (the contract's limits) and hunting queries (savedSearches with `tags`).

use std::time::Duration;

use arm_emulator::Config;
use serde_json::{Value, json};

use crate::common::*;

fn wl_path(alias: &str) -> String {
    format!("{WS}/providers/Microsoft.SecurityInsights/watchlists/{alias}?api-version={STABLE}")
}

fn item_path(alias: &str, id: &str) -> String {
    format!(
        "{WS}/providers/Microsoft.SecurityInsights/watchlists/{alias}/watchlistItems/{id}?api-version={STABLE}"
    )
}

fn ar_path(id: &str) -> String {
    format!("{WS}/providers/Microsoft.SecurityInsights/automationRules/{id}?api-version={STABLE}")
}

fn watchlist(raw: Option<&str>) -> Value {
    let mut w = json!({"properties": {"displayName": "Privileged vaults", "provider": "sentinelctl", "itemsSearchKey": "VaultId", "description": "Vaults whose permission changes matter", "source": "vaults.csv"}});
    if let Some(r) = raw {
        w["properties"]["rawContent"] = json!(r);
        w["properties"]["contentType"] = json!("text/csv");
        w["properties"]["sourceType"] = json!("Local");
    }
    w
}

#[tokio::test]
async fn a_watchlist_is_created_with_its_items_and_deleted_asynchronously() {
    let h = setup(Config {
        page_size: 2,
        watchlist_delete_delay: Duration::from_millis(400),
        ..Config::default()
    })
    .await;
    let raw = "VaultId,Name\nv1,Finance\nv2,\"Admins, global\"\nv3,HR\n";
    let r = h.put(&wl_path("PV1PW"), &watchlist(Some(raw))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.headers.contains_key("azure-asyncoperation"));
    let p = &r.body["properties"];
    assert_eq!(p["watchlistAlias"], "PV1PW");
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(p["tenantId"], TENANT);
    assert!(p.get("rawContent").is_none(), "rawContent is not returned");
    assert_eq!(r.body["type"], "Microsoft.SecurityInsights/Watchlists");
    // Items: three rows, paged two at a time.
    let first = h.get(&format!("{WS}/providers/Microsoft.SecurityInsights/watchlists/PV1PW/watchlistItems?api-version={STABLE}")).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["value"].as_array().unwrap().len(), 2);
    let next = first.body["nextLink"]
        .as_str()
        .expect("a second page")
        .to_string();
    let second = h.get(&next).await;
    let mut rows: Vec<Value> = first.body["value"].as_array().unwrap().clone();
    rows.extend(second.body["value"].as_array().unwrap().iter().cloned());
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .any(|i| i["properties"]["itemsKeyValue"]["Name"] == "Admins, global")
    );
    assert_eq!(
        rows[0]["type"],
        "Microsoft.SecurityInsights/Watchlists/WatchlistItems"
    );
    // Update needs the current etag in the body (or none); a stale one conflicts.
    let etag = r.body["etag"].as_str().unwrap().to_string();
    let mut upd = watchlist(None);
    upd["etag"] = json!("\"stale\"");
    assert_eq!(h.put(&wl_path("PV1PW"), &upd).await.status, 409);
    upd["etag"] = json!(etag);
    let u = h.put(&wl_path("pv1pw"), &upd).await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(
        u.body["properties"]["watchlistAlias"], "PV1PW",
        "names are case-insensitive, the stored one is kept"
    );
    assert_eq!(u.body["properties"]["created"], p["created"]);
    assert_eq!(
        h.send(
            "PUT",
            &wl_path("PV1PW"),
            Some(&upd),
            &[("If-Match", "\"nope\"")]
        )
        .await
        .status,
        412
    );
    // Delete: 202 with a status URL, the watchlist is Deleting, then gone with its items.
    let d = h.send("DELETE", &wl_path("PV1PW"), None, &[]).await;
    assert_eq!(d.status, 202, "{}", d.body);
    let status_url = d.headers["azure-asyncoperation"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(d.headers["location"].to_str().unwrap(), status_url);
    assert!(status_url.contains("/watchlistStatuses/"));
    let s = h.get(&status_url).await;
    assert_eq!(s.body["status"], "InProgress");
    let g = h.get(&wl_path("PV1PW")).await;
    assert_eq!(g.body["properties"]["provisioningState"], "Deleting");
    assert_eq!(
        h.put(&wl_path("PV1PW"), &watchlist(None)).await.status,
        409,
        "no PUT while deleting"
    );
    assert_eq!(
        h.send("DELETE", &wl_path("PV1PW"), None, &[]).await.status,
        202,
        "a repeated DELETE is the same operation"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.get(&status_url).await.body["status"], "Succeeded");
    assert_eq!(h.get(&wl_path("PV1PW")).await.status, 404);
    assert_eq!(h.get(&item_path("PV1PW", "x")).await.status, 404);
    assert_eq!(
        h.send("DELETE", &wl_path("PV1PW"), None, &[]).await.status,
        204
    );
    // Recreated empty: the old items are gone.
    assert_eq!(h.put(&wl_path("PV1PW"), &watchlist(None)).await.status, 201);
    let items = h.get(&format!("{WS}/providers/Microsoft.SecurityInsights/watchlists/PV1PW/watchlistItems?api-version={STABLE}")).await;
    assert_eq!(items.body["value"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn watchlists_and_items_are_validated() {
    let h = setup(Config::default()).await;
    let mut missing = watchlist(None);
    missing["properties"]
        .as_object_mut()
        .unwrap()
        .remove("itemsSearchKey");
    assert_eq!(h.put(&wl_path("a"), &missing).await.status, 400);
    let r = h
        .put(&wl_path("a"), &watchlist(Some("Other,Name\nx,y")))
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("VaultId"),
        "{}",
        r.body
    );
    let r = h
        .put(&wl_path("a"), &watchlist(Some("VaultId,Name\nx")))
        .await;
    assert_eq!(r.status, 400, "a short row: {}", r.body);
    // Items need their watchlist and an itemsKeyValue object.
    let item = json!({"properties": {"itemsKeyValue": {"VaultId": "v9", "Name": "Ops"}}});
    assert_eq!(h.put(&item_path("nope", "i1"), &item).await.status, 404);
    assert_eq!(h.put(&wl_path("a"), &watchlist(None)).await.status, 201);
    assert_eq!(
        h.put(&item_path("a", "i1"), &json!({"properties": {}}))
            .await
            .status,
        400
    );
    assert_eq!(
        h.put(
            &item_path("a", "i1"),
            &json!({"properties": {"itemsKeyValue": "x"}})
        )
        .await
        .status,
        400
    );
    let c = h.put(&item_path("a", "i1"), &item).await;
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.body["properties"]["itemsKeyValue"]["Name"], "Ops");
    assert_eq!(c.body["properties"]["watchlistItemId"], "i1");
    let mut again = item.clone();
    again["etag"] = c.body["etag"].clone();
    again["properties"]["itemsKeyValue"]["Name"] = json!("Ops2");
    let u = h.put(&item_path("a", "I1"), &again).await;
    assert_eq!(u.status, 200);
    assert_eq!(
        u.body["properties"]["created"],
        c.body["properties"]["created"]
    );
    again["etag"] = c.body["etag"].clone(); // now stale
    assert_eq!(h.put(&item_path("a", "i1"), &again).await.status, 409);
    assert_eq!(
        h.send("DELETE", &item_path("a", "i1"), None, &[])
            .await
            .status,
        200
    );
    assert_eq!(
        h.send("DELETE", &item_path("a", "i1"), None, &[])
            .await
            .status,
        204
    );
}

fn automation_rule(order: i64, actions: usize) -> Value {
    let action = json!({"order": 1, "actionType": "ModifyProperties", "actionConfiguration": {"severity": "High", "labels": [{"labelName": "1password"}]}});
    json!({"properties": {
        "displayName": "Raise 1Password export incidents",
        "order": order,
        "triggeringLogic": {
            "isEnabled": true, "triggersOn": "Incidents", "triggersWhen": "Created",
            "conditions": [{"conditionType": "Property", "conditionProperties": {"propertyName": "IncidentRelatedAnalyticRuleIds", "operator": "Contains", "propertyValues": ["/subscriptions/x/rule"]}}]
        },
        "actions": vec![action; actions],
    }})
}

#[tokio::test]
async fn automation_rules_keep_the_contract_limits() {
    let h = setup(Config::default()).await;
    let id = "2f32af32-ad13-4fbb-9fbc-e19e0e7ff767";
    let r = h.put(&ar_path(id), &automation_rule(1, 1)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let p = &r.body["properties"];
    assert!(p["createdTimeUtc"].is_string() && p["lastModifiedBy"]["objectId"].is_string());
    assert_eq!(r.body["type"], "Microsoft.SecurityInsights/automationRules");
    assert_eq!(
        p["actions"][0]["actionConfiguration"]["labels"][0]["labelName"],
        "1password"
    );
    let mut upd = automation_rule(1000, 20);
    upd["etag"] = r.body["etag"].clone();
    let u = h.put(&ar_path(id), &upd).await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(u.body["properties"]["createdTimeUtc"], p["createdTimeUtc"]);
    for (body, why) in [
        (automation_rule(0, 1), "order below 1"),
        (automation_rule(1001, 1), "order above 1000"),
        (automation_rule(1, 21), "more than 20 actions"),
        (
            {
                let mut b = automation_rule(1, 1);
                b["properties"]["triggeringLogic"]["conditions"] = json!(vec![
                        b["properties"]["triggeringLogic"]["conditions"][0]
                            .clone();
                        51
                    ]);
                b
            },
            "more than 50 conditions",
        ),
        (
            {
                let mut b = automation_rule(1, 1);
                b["properties"]["triggeringLogic"]["conditions"] = json!([{"conditionType": "Boolean", "conditionProperties": {"operator": "And", "innerConditions": [b["properties"]["triggeringLogic"]["conditions"][0].clone()]}}]);
                b
            },
            "a Boolean condition with one inner condition",
        ),
        (
            {
                let mut b = automation_rule(1, 1);
                b["properties"]["actions"] = json!([{"order": 1, "actionType": "RunPlaybook", "actionConfiguration": {"logicAppResourceId": "not-an-id", "tenantId": TENANT}}]);
                b
            },
            "a playbook that is not a Logic App id",
        ),
        (
            {
                let mut b = automation_rule(1, 1);
                b["properties"]["triggeringLogic"]["triggersOn"] = json!(7);
                b
            },
            "a number for triggersOn",
        ),
        (
            {
                let mut b = automation_rule(1, 1);
                b["properties"].as_object_mut().unwrap().remove("actions");
                b
            },
            "no actions",
        ),
    ] {
        let r = h.put(&ar_path("bad"), &body).await;
        assert_eq!(r.status, 400, "{why}: {}", r.body);
    }
    let mut pb = automation_rule(2, 1);
    pb["properties"]["actions"] = json!([{"order": 1, "actionType": "RunPlaybook", "actionConfiguration": {"logicAppResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/triage", "tenantId": TENANT}}]);
    assert_eq!(h.put(&ar_path("pb"), &pb).await.status, 201);
    let list = h
        .get(&format!(
            "{WS}/providers/Microsoft.SecurityInsights/automationRules?api-version={STABLE}"
        ))
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 2);
    let d = h.send("DELETE", &ar_path(id), None, &[]).await;
    assert_eq!((d.status, d.body.clone()), (200, json!({})));
    assert_eq!(h.send("DELETE", &ar_path(id), None, &[]).await.status, 204);
}

#[tokio::test]
async fn hunting_queries_keep_their_tags() {
    let h = setup(Config::default()).await;
    let path = format!("{WS}/savedSearches/hq1?api-version=2025-02-01");
    let body = json!({"properties": {
        "category": "Hunting Queries",
        "displayName": "1Password: items exported after a sign-in from a new country",
        "query": "SigninLogs | take 10",
        "version": 2,
        "tags": [{"name": "description", "value": "After a 1Password alert"}, {"name": "tactics", "value": "Exfiltration,InitialAccess"}, {"name": "techniques", "value": "T1078"}]
    }});
    let r = h.put(&path, &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let g = h.get(&path).await;
    assert_eq!(g.body["properties"]["tags"], body["properties"]["tags"]);
    assert_eq!(g.body["properties"]["category"], "Hunting Queries");
    let bad = json!({"properties": {"category": "Hunting Queries", "displayName": "x", "query": "print 1", "tags": [{"name": "tactics"}]}});
    let r = h
        .put(
            &format!("{WS}/savedSearches/hq2?api-version=2025-02-01"),
            &bad,
        )
        .await;
    assert_eq!(r.status, 400, "a tag needs name and value: {}", r.body);
}
