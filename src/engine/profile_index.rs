//! The fit rules and profile disqualifiers grouped by the one profile field each
//! reads, built once per rule set: what they make of a lead's profile is then
//! worked out, and cached (`score::filter_cache`), per field value.

use crate::rules::{Disqualifier, DisqualifierTest, FitRule};

/// Whether this build caches what filters and fit rules make of a value
/// (`score::filter_cache`): not the page module, which scores sessions only, and
/// sessions keep what each event and the profile matched already (decision 0009);
/// there the cache weighed 1.5 KB gzip for little.
pub(crate) const FILTER_RESULTS_CACHED: bool = cfg!(any(feature = "batch", not(feature = "wasm")));

/// A test of the profile: a fit rule, or a disqualifier that tests the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProfileTest {
    Fit(usize),
    Disqualifier(usize),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ProfileIndex {
    /// Each profile field (first step of its paths) that tests read and read
    /// nothing else, with those tests (at most 64 a field, in the order of the rules):
    /// what they make of a profile depends on that field's value alone.
    pub(crate) by_field: Vec<(Box<str>, Vec<ProfileTest>)>,
    /// Tests reading several fields or `now`, or a field past its 64: tested one by one.
    pub(crate) others: Vec<ProfileTest>,
}

impl ProfileIndex {
    pub(crate) fn build(fit: &[FitRule], disqualifiers: &[Disqualifier]) -> ProfileIndex {
        let conditions = fit.iter().enumerate().map(|(i, r)| (ProfileTest::Fit(i), &r.when)).chain(
            disqualifiers.iter().enumerate().filter_map(|(k, d)| match &d.test {
                DisqualifierTest::Profile(c) => Some((ProfileTest::Disqualifier(k), c)),
                DisqualifierTest::Event(_) => None,
            }),
        );
        let mut index = ProfileIndex::default();
        if !FILTER_RESULTS_CACHED {
            // Nothing to key a cache by: every test is tested one by one.
            index.others.extend(conditions.map(|(test, _)| test));
            return index;
        }
        for (test, condition) in conditions {
            let mut fields: Vec<&str> = Vec::new();
            condition.for_each_field(&mut |name| {
                if !fields.contains(&name) {
                    fields.push(name);
                }
            });
            // A test of a date relative to `now` is never cached: its answer for
            // a value changes with `now` alone.
            let one = match fields.as_slice() {
                [one] if !condition.depends_on_now() => Some(*one),
                _ => None,
            };
            let held = one.and_then(|name| match index.by_field.iter().position(|(f, _)| **f == *name) {
                Some(at) => index.by_field.get_mut(at).filter(|(_, tests)| tests.len() < 64),
                None => {
                    index.by_field.push((name.into(), Vec::new()));
                    index.by_field.last_mut()
                }
            });
            match held {
                Some((_, tests)) => tests.push(test),
                None => index.others.push(test),
            }
        }
        index
    }
}
