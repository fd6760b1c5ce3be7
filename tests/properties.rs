//! Property tests over open-ended inputs: durations, the YAML↔ARM mapping (no false diffs for
//! any spelling the formats allow), and the YAML writer. Shrinking is off so CI time is bounded.

use proptest::prelude::*;
use sentinelctl::load::yaml;
use sentinelctl::model::Resource;
use sentinelctl::model::{AnalyticsRule, Duration};
use sentinelctl::render::yaml::to_yaml;
use serde_json::{Value, json};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        max_shrink_iters: 0,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn duration_text() -> impl Strategy<Value = (u64, String)> {
    (1u64..=20_160).prop_flat_map(|minutes| {
        let d = Duration::minutes(minutes);
        let mut spellings = vec![d.to_iso(), d.to_short(), format!("{minutes}m")];
        if minutes % 60 == 0 {
            spellings.push(format!("{}h", minutes / 60));
            spellings.push(format!("PT{}H", minutes / 60));
        }
        (Just(minutes), proptest::sample::select(spellings))
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn durations_round_trip_in_every_spelling((minutes, text) in duration_text()) {
        let d = Duration::parse(&text).unwrap();
        prop_assert_eq!(d, Duration::minutes(minutes));
        prop_assert_eq!(Duration::parse(&d.to_iso()), Some(d));
        prop_assert_eq!(Duration::parse(&d.to_short()), Some(d));
    }

    #[test]
    fn a_rule_read_back_from_arm_has_no_diff(
        severity in proptest::sample::select(vec!["Informational", "Low", "Medium", "High"]),
        (_, freq) in duration_text(),
        op in proptest::sample::select(vec!["gt", "lt", "eq", "ne", "GreaterThan", "LessThan", "Equal", "NotEqual"]),
        tactics in proptest::sample::subsequence(vec!["Persistence", "CredentialAccess", "Discovery", "InitialAccess"], 0..4),
        crlf in any::<bool>(),
        trailing in proptest::sample::select(vec!["", "\n", "\n\n", "  \n"]),
        threshold in 0i64..10_000,
        enabled in any::<bool>(),
    ) {
        let mut query = "T\n| where x == 1\n| project a".to_string();
        if crlf {
            query = query.replace('\n', "\r\n");
        }
        query.push_str(trailing);
        let doc = json!({
            "id": "5f78b752-4321-42a6-8117-5cdce94c1077", "name": "n", "description": "d", "severity": severity,
            "kind": "Scheduled", "queryFrequency": freq, "queryPeriod": "14d", "triggerOperator": op,
            "triggerThreshold": threshold, "tactics": tactics, "query": query, "enabled": enabled,
        });
        let text = to_yaml(&doc);
        let (root, problems) = yaml::parse(&text);
        prop_assert!(problems.is_empty());
        let raw = sentinelctl::load::de::from_node(root.as_ref().unwrap()).unwrap();
        let rule = AnalyticsRule::from_yaml(&raw).unwrap();
        let arm = json!({"name": rule.name.to_uppercase(), "kind": "Scheduled", "etag": "\"1\"", "properties": rule.to_arm()});
        let back = AnalyticsRule::from_arm(&arm).unwrap();
        let (a, b) = (Resource::Rule(rule), Resource::Rule(back));
        prop_assert_eq!(a.fields(), b.fields());
        prop_assert_eq!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn the_yaml_writer_round_trips_any_string(s in "\\PC{0,60}", t in "[ -~\n]{0,80}") {
        let doc = json!({"a": s, "b": [t.clone()], "c": {"d": t}});
        let text = to_yaml(&doc);
        let (root, problems) = yaml::parse(&text);
        prop_assert!(problems.is_empty(), "{:?}\n{}", problems, text);
        let root = root.unwrap();
        let read = |n: &yaml::Node| n.as_str().map(str::to_string);
        prop_assert_eq!(read(root.get("a").unwrap()), doc["a"].as_str().map(str::to_string), "{}", text);
        prop_assert_eq!(read(root.path(&["b", "0"]).unwrap()), doc["b"][0].as_str().map(str::to_string), "{}", text);
        prop_assert_eq!(read(root.path(&["c", "d"]).unwrap()), doc["c"]["d"].as_str().map(str::to_string), "{}", text);
        let _: Value = doc;
    }
}
