//! Alert rule kinds beyond Scheduled and NRT: Fusion and MicrosoftSecurityIncidentCreation (stable
//! 2025-12-01), MLBehaviorAnalytics and ThreatIntelligence (2025-04-01-preview only).

use arm_emulator::Config;
use serde_json::json;

use crate::common::*;

const FUSION: &str = "f71aba3d-28fb-450b-b192-4e76a83015c8";
const ML_SSH: &str = "fa118b98-de46-4e94-87f9-8e6d5060b60b";
const TI: &str = "0dd422ee-e6af-4204-b219-f59ac172e4c6";

fn templated(kind: &str, template: &str) -> serde_json::Value {
    json!({"kind": kind, "properties": {"alertRuleTemplateName": template, "enabled": true, "displayName": "ignored: read-only"}})
}

#[tokio::test]
async fn ml_and_ti_rules_exist_in_the_preview_only_and_take_their_fields_from_the_template() {
    let h = setup(Config::default()).await;
    for (kind, template) in [("MLBehaviorAnalytics", ML_SSH), ("ThreatIntelligence", TI)] {
        let r = h
            .put(
                &rule_path(&format!("{kind}-stable"), STABLE),
                &templated(kind, template),
            )
            .await;
        assert_eq!(
            r.status, 400,
            "{kind} is not in the stable enum: {}",
            r.body
        );
        let r = h
            .put(&rule_path(kind, PREVIEW), &templated(kind, template))
            .await;
        assert_eq!(r.status, 201, "{kind}: {}", r.body);
        let p = &r.body["properties"];
        assert_ne!(p["displayName"], "ignored: read-only", "{kind}");
        assert!(
            p["displayName"].as_str().unwrap().starts_with("(Preview)"),
            "{kind}: {p}"
        );
        assert_eq!(p["severity"], "Medium");
        assert!(p["tactics"].is_array() && p["subTechniques"].is_array());
        assert_eq!(p["enabled"], true);
        // A stable GET of a preview-only kind is still answered (the stored rule) with its kind.
        let g = h.get(&rule_path(kind, PREVIEW)).await;
        assert_eq!(g.status, 200);
        assert_eq!(g.body["kind"], kind);
        // Required by the spec: the template name and enabled.
        let r = h
            .put(
                &rule_path("missing", PREVIEW),
                &json!({"kind": kind, "properties": {"enabled": true}}),
            )
            .await;
        assert_eq!(r.status, 400, "{kind}: {}", r.body);
    }
}

#[tokio::test]
async fn template_bound_rules_need_a_known_template_used_once() {
    let h = setup(Config::default()).await;
    let r = h
        .put(
            &rule_path("BuiltInFusion", STABLE),
            &templated("Fusion", FUSION),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["properties"]["displayName"],
        "Advanced Multi-Stage Attack Detection"
    );
    // Updating the same rule is fine; a second rule from the same template conflicts.
    let mut again = templated("Fusion", FUSION);
    again["properties"]["enabled"] = json!(false);
    assert_eq!(
        h.put(&rule_path("BuiltInFusion", STABLE), &again)
            .await
            .status,
        200
    );
    let r = h
        .put(&rule_path("second", STABLE), &templated("Fusion", FUSION))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("BuiltInFusion")
    );
    // A template of another kind, or an unknown one, is refused.
    for (kind, template) in [
        ("Fusion", TI),
        ("ThreatIntelligence", FUSION),
        (
            "MLBehaviorAnalytics",
            "00000000-0000-0000-0000-000000000000",
        ),
    ] {
        let api = if kind == "Fusion" { STABLE } else { PREVIEW };
        let r = h
            .put(&rule_path("wrong", api), &templated(kind, template))
            .await;
        assert_eq!(r.status, 400, "{kind} {template}: {}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("was not found")
        );
    }
    // MicrosoftSecurityIncidentCreation is not template-bound: several may exist; productFilter is required.
    let msic = json!({"kind": "MicrosoftSecurityIncidentCreation", "properties": {"displayName": "MCAS", "enabled": true, "productFilter": "Microsoft Cloud App Security"}});
    assert_eq!(h.put(&rule_path("m1", STABLE), &msic).await.status, 201);
    assert_eq!(h.put(&rule_path("m2", STABLE), &msic).await.status, 201);
    let mut bad = msic.clone();
    bad["properties"]
        .as_object_mut()
        .unwrap()
        .remove("productFilter");
    assert_eq!(h.put(&rule_path("m3", STABLE), &bad).await.status, 400);
}
