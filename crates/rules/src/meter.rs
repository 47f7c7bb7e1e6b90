//! The steps testing conditions has taken, counted as they are taken, in the
//! units of [`crate::cost`]: a leaf tested is one step, and a text test as many as
//! its weight says for the length of the text. The compile-time bound holds what
//! one lead can cost; this count lets a call over many leads stop at a limit of its
//! own (`leadscore::limits::CallLimits::max_call_steps`), whatever the leads are.
//!
//! One count per thread: a call reads it, scores, and reads it again. Counting
//! wraps never and costs an add per leaf.

use std::cell::Cell;

thread_local! {
    static STEPS: Cell<u64> = const { Cell::new(0) };
}

/// Counts `steps` more.
#[inline]
pub fn charge(steps: u64) {
    STEPS.with(|s| s.set(s.get().saturating_add(steps)));
}

/// The steps counted so far on this thread.
#[inline]
pub fn steps() -> u64 {
    STEPS.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::compile;
    use serde_json::json;

    /// The steps of one test, as docs/RULESET.md section 11 counts them.
    fn steps_of(condition: serde_json::Value, profile: serde_json::Value) -> u64 {
        let c = compile(&condition, "", &mut vec![]).unwrap();
        let data = profile.as_object().unwrap().clone();
        let before = steps();
        c.matches(&data);
        steps() - before
    }

    #[test]
    fn a_leaf_is_one_step_and_a_text_test_its_weight_per_sixteen_bytes() {
        let text = "x".repeat(100); // 100 ÷ 16 + 1 = 7 passes
        assert_eq!(steps_of(json!({"field": "a", "equals": "x"}), json!({"a": text})), 1);
        assert_eq!(steps_of(json!({"field": "a", "contains": ["p", "q", "r"]}), json!({"a": text})), 1 + 48 * 7);
        assert_eq!(steps_of(json!({"field": "a", "startsWith": ["p", "q"]}), json!({"a": text})), 1 + 2 * 7);
        // Non-ASCII text counts its bytes too; a list counts each of its texts.
        assert_eq!(steps_of(json!({"field": "a", "word": "p"}), json!({"a": "é".repeat(16)})), 1 + 16 * 3);
        assert_eq!(steps_of(json!({"field": "a", "like": "*p*"}), json!({"a": ["ab", "cd"]})), 1 + 2 * 32);
        // Only what is tested counts: `all` stops at its first false leaf.
        let all = json!({"all": [{"field": "b", "exists": true}, {"field": "a", "contains": "p"}]});
        assert_eq!(steps_of(all, json!({"a": text})), 1);
        assert_eq!(steps_of(json!({"field": "missing", "contains": "p"}), json!({})), 1);
    }
}
