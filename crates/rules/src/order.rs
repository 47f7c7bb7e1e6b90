//! Putting things in order while a rule set is compiled: the values of a long
//! `in` list, the event types its rules name, the fields a filter reads.
//!
//! One small merge sort of positions, with the comparison passed in, serves them
//! all: std's sorts and `BTreeMap` are generic, and brought their code into the
//! WebAssembly module once for each kind of item (36 KB for the five the compiler
//! orders, before wasm-opt), for work done once per rule set.

use std::cmp::Ordering;

/// The positions `0..n` in the order `cmp` puts them, equal ones in their own
/// order (a stable merge sort: n log n comparisons at most).
pub fn sorted_positions(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut from: Vec<usize> = (0..n).collect();
    let mut to = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = start.saturating_add(width).min(n);
            let end = mid.saturating_add(width).min(n);
            let (mut i, mut j) = (start, mid);
            for slot in to.get_mut(start..end).into_iter().flatten() {
                let left = from.get(i).copied().filter(|_| i < mid);
                let right = from.get(j).copied().filter(|_| j < end);
                *slot = match (left, right) {
                    (Some(l), Some(r)) if cmp(l, r) == Ordering::Greater => {
                        j += 1;
                        r
                    }
                    (Some(l), _) => {
                        i += 1;
                        l
                    }
                    (None, Some(r)) => {
                        j += 1;
                        r
                    }
                    (None, None) => 0,
                };
            }
            start = end;
        }
        std::mem::swap(&mut from, &mut to);
        width = width.saturating_mul(2);
    }
    from
}

/// The positions of `names` in byte order of the names, equal ones in their own
/// order.
pub fn name_order(names: &[&str]) -> Vec<usize> {
    sorted_positions(names.len(), &|a, b| names.get(a).cmp(&names.get(b)))
}

/// For each of `names`, whether no name before it is the same.
pub fn first_of_each(names: &[&str]) -> Vec<bool> {
    let mut first = vec![false; names.len()];
    let mut last: Option<&str> = None;
    for i in name_order(names) {
        let name = names.get(i).copied();
        if name != last {
            if let Some(f) = first.get_mut(i) {
                *f = true;
            }
        }
        last = name;
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_as_a_stable_sort_does(items in prop::collection::vec(0u8..12, 0..200)) {
            let order = sorted_positions(items.len(), &|a, b| items[a].cmp(&items[b]));
            let mut expected: Vec<usize> = (0..items.len()).collect();
            expected.sort_by_key(|&i| items[i]);
            prop_assert_eq!(order, expected);
        }

        #[test]
        fn finds_the_first_of_each_name(names in prop::collection::vec("[abc]{0,2}", 0..50)) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let expected: Vec<bool> = (0..names.len()).map(|i| !names[..i].contains(&names[i])).collect();
            prop_assert_eq!(first_of_each(&names), expected);
        }
    }
}
