//! Which workspace of a fleet runs next: the subscription with the fewest workspaces in flight
//! first, and within a subscription in name order.
//!
//! ARM throttles per subscription, so a fleet moves fastest when every subscription's budget is
//! in use at once, and a subscription that is throttled hard (or slow) must not take every slot
//! while the others wait. Picking the least busy subscription does both: a slow subscription
//! keeps about its share of the slots (it only gets another when no subscription with work left
//! has fewer in flight), and once the others have nothing left to start it may use them all.
//! A slot is never left idle while work is pending.

use std::collections::{BTreeMap, VecDeque};

/// Pending items (indices) grouped by key (a subscription id), with the count in flight per key.
#[derive(Debug, Default)]
pub struct FairQueue {
    /// Per key: in flight, and pending items in arrival order. A `BTreeMap` keeps ties stable.
    keys: BTreeMap<String, (usize, VecDeque<usize>)>,
}

impl FairQueue {
    /// Queues `item` under `key` (keys compare case-insensitively, as subscription ids do).
    pub fn push(&mut self, key: &str, item: usize) {
        self.keys
            .entry(key.to_ascii_lowercase())
            .or_default()
            .1
            .push_back(item);
    }

    /// Takes the next item to start, with its key: from the key with pending items and the fewest
    /// in flight (ties: the key whose next item came first). `None` when nothing is pending.
    pub fn start_next(&mut self) -> Option<(String, usize)> {
        let key = self
            .keys
            .iter()
            .filter_map(|(k, (running, pending))| {
                pending.front().map(|first| (*running, *first, k))
            })
            .min()
            .map(|(_, _, k)| k.clone())?;
        let entry = self.keys.get_mut(&key)?;
        let item = entry.1.pop_front()?;
        entry.0 += 1;
        Some((key, item))
    }

    /// Records that an item of `key` finished.
    pub fn finished(&mut self, key: &str) {
        if let Some(entry) = self.keys.get_mut(key) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(items: &[(&str, usize)]) -> FairQueue {
        let mut q = FairQueue::default();
        for (k, i) in items {
            q.push(k, *i);
        }
        q
    }

    #[test]
    fn spreads_the_first_slots_over_subscriptions_in_name_order_within_each() {
        // names sorted by customer put one subscription's workspaces together
        let mut q = queue(&[("a", 0), ("a", 1), ("a", 2), ("b", 3), ("b", 4), ("c", 5)]);
        let started: Vec<usize> = (0..4).filter_map(|_| q.start_next()).map(|s| s.1).collect();
        assert_eq!(started, vec![0, 3, 5, 1]);
        assert_eq!(q.start_next().map(|s| s.1), Some(4));
        assert_eq!(q.start_next().map(|s| s.1), Some(2));
        assert_eq!(q.start_next(), None);
    }

    #[test]
    fn a_slow_subscription_keeps_one_slot_while_others_have_work() {
        // four slots; subscription "slow" never finishes, the others finish at once
        let mut items = Vec::new();
        for i in 0..10 {
            items.push(("slow", i));
        }
        for i in 10..40 {
            items.push((["a", "b", "c"][i % 3], i));
        }
        let mut q = queue(&items);
        let (mut slow_in_flight, mut others_started, mut others_done) = (0, 0, 0);
        let mut running: Vec<String> = Vec::new();
        loop {
            while running.len() < 4 {
                let Some((k, _)) = q.start_next() else { break };
                if k == "slow" {
                    slow_in_flight += 1;
                    assert!(
                        slow_in_flight == 1 || others_started == 30,
                        "slow got slot {slow_in_flight} while others had work to start"
                    );
                } else {
                    others_started += 1;
                }
                running.push(k);
            }
            let Some(pos) = running.iter().position(|k| k != "slow") else {
                break;
            };
            let k = running.remove(pos);
            q.finished(&k);
            others_done += 1;
        }
        assert_eq!(others_done, 30);
        // once the others are done, the slow one may fill every slot
        assert_eq!(slow_in_flight, 4);
    }

    #[test]
    fn keys_are_case_insensitive_and_finishing_an_unknown_key_is_harmless() {
        let mut q = queue(&[("SUB", 0), ("sub", 1)]);
        q.finished("nope");
        assert_eq!(q.start_next(), Some(("sub".into(), 0)));
        assert_eq!(q.start_next(), Some(("sub".into(), 1)));
        q.finished("sub");
        q.finished("sub");
        q.finished("sub");
        assert_eq!(q.start_next(), None);
    }
}
