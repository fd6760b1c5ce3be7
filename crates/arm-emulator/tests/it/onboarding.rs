//! Sentinel's onboarding state and the caller's permissions (what `sentinelctl doctor` reads):
//! `onboardingStates/default` answers while Sentinel is on; deleting it makes every other Sentinel
//! call answer 400 "not onboarded" until it is created again; `Microsoft.Authorization/permissions`
//! says `*` or, under a read-only scope, `*/read` — and that scope refuses writes with 403.

use serde_json::json;

use crate::common::*;

const SI: &str = "2024-03-01";

fn state_path() -> String {
    format!("{WS}/providers/Microsoft.SecurityInsights/onboardingStates/default?api-version={SI}")
}

#[tokio::test]
async fn offboarding_stops_every_sentinel_call_until_onboarded_again() {
    let h = setup(arm_emulator::Config::default()).await;
    let got = h.get(&state_path()).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["name"], "default");
    assert_eq!(
        got.body["type"],
        "Microsoft.SecurityInsights/onboardingStates"
    );
    let list = h
        .get(&format!(
            "{WS}/providers/Microsoft.SecurityInsights/onboardingStates?api-version={SI}"
        ))
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);

    let deleted = h.send("DELETE", &state_path(), None, &[]).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(h.get(&state_path()).await.status, 404);
    let rules = h.get(&rule_path("r1", "2025-12-01")).await;
    assert_eq!(rules.status, 400, "{}", rules.body);
    assert!(
        rules.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is not onboarded to Microsoft Sentinel"),
        "{}",
        rules.body
    );
    // the workspace itself and Log Analytics resources still answer
    assert_eq!(
        h.get(&format!("{WS}/savedSearches?api-version=2025-02-01"))
            .await
            .status,
        200
    );
    // the state survives a snapshot
    assert_eq!(
        h.emu.snapshot()["workspaces"][0]["sentinelOnboarded"],
        false
    );

    let created = h.put(&state_path(), &json!({"properties": {}})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(h.put(&state_path(), &json!({})).await.status, 200);
    assert_eq!(h.get(&rule_path("r1", "2025-12-01")).await.status, 404);
    let other = h
        .put(
            &state_path().replace("/default?", "/other?"),
            &json!({"properties": {}}),
        )
        .await;
    assert_eq!(other.status, 400);
}

#[tokio::test]
async fn permissions_follow_read_only_scopes_and_writes_there_are_refused() {
    let h = setup(arm_emulator::Config::default()).await;
    let perms =
        format!("{WS}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01");
    let all = h.get(&perms).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["value"][0]["actions"], json!(["*"]));
    let access = h
        .admin("PUT", "access", Some(&json!({"readOnly": [WS]})))
        .await;
    assert_eq!(access.status, 200, "{}", access.body);
    assert_eq!(
        h.get(&perms).await.body["value"][0]["actions"],
        json!(["*/read"])
    );
    assert_eq!(h.get(&rule_path("r1", "2025-12-01")).await.status, 404);
    let write = h
        .put(&rule_path("r1", "2025-12-01"), &scheduled_rule("r"))
        .await;
    assert_eq!(write.status, 403, "{}", write.body);
    assert_eq!(write.body["error"]["code"], "AuthorizationFailed");
    assert!(
        write.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Microsoft.SecurityInsights/alertRules/write")
    );
    h.emu.set_read_only(&[]);
    assert_eq!(
        h.get(&perms).await.body["value"][0]["actions"],
        json!(["*"])
    );
}
