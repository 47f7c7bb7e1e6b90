//! "Did you mean": the known name nearest to a misspelt one (a key, an operator, an
//! event type, a group), by edit distance.
//!
//! Names are compared as people mistype them: ASCII case and the separators `_` and `-`
//! do not count (`min_fit` and `MinFit` are `minFit`), and a change is inserting,
//! deleting or replacing one character, or swapping two neighbours (the optimal
//! string alignment distance, a restricted Damerau-Levenshtein): `poinst` is one
//! change from `points`, `engagment` one from `engagement`, `wehn` one from `when`.
//! A name is suggested when it is at most a third of the shorter name's length
//! away (at least 1: `wehn`), so that a short key is not "corrected" into an
//! unrelated one.
//!
//! Written here rather than taken from `strsim`: the distance is computed only
//! within that bound (a band of the table, and names whose lengths differ by more
//! are not compared at all), so that looking a mistyped event type up among a rule
//! set's thousands of types on a page's `track` costs little. And a look-up fills at
//! most [`MAX_CELLS`] cells of tables in all: past them it gives the nearest name
//! found so far, so that no event type a visitor sends, against no rule set, makes a
//! `track` slow (docs/SECURITY.md).

/// Names longer than this (in characters, after folding) are not compared: keys,
/// operators and event types are short, and a key of a megabyte must not cost a
/// comparison with each known name.
const MAX_COMPARED: usize = 64;

/// The most cells of distance tables one look-up fills, over all the names it
/// compares, each name read counting its characters and 8 more (about 0.1 ms
/// natively at most): a look-up among a few hundred names of a few dozen
/// characters stays within it, as most are passed over by their counts
/// ([`counts`]) without a table.
pub const MAX_CELLS: usize = 1 << 13;

/// The most changes allowed between two names whose shorter one has `len`
/// characters (after folding).
fn allowed(len: usize) -> usize {
    (len / 3).max(1)
}

/// `name` as compared: lower case, without `_` and `-`.
fn folded(name: &str) -> Option<Vec<char>> {
    let mut chars = Vec::new();
    fold_into(name, &mut chars).then_some(chars)
}

/// Puts `name` as compared into `chars` (emptied first); false when it is too long
/// to compare.
fn fold_into(name: &str, chars: &mut Vec<char>) -> bool {
    // ASCII case only: names are ASCII as a rule, and Unicode's case tables would
    // weigh on the WebAssembly module for them.
    chars.clear();
    chars.extend(
        name.chars().filter(|c| !matches!(c, '_' | '-')).map(|c| c.to_ascii_lowercase()).take(MAX_COMPARED + 1),
    );
    chars.len() <= MAX_COMPARED
}

/// How many characters of `name` (as compared) fall in each of 32 buckets: a change
/// moves at most two counts by one each, so two names whose counts differ by `n` in
/// all are at least `n / 2` changes apart, and most names far from a wanted one are
/// passed over without a table.
fn counts(chars: &[char]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for c in chars {
        if let Some(n) = out.get_mut((u32::from(*c) % 32) as usize) {
            *n = n.saturating_add(1);
        }
    }
    out
}

/// The fewest changes that could turn a name of counts `a` into one of counts `b`.
fn at_least(a: &[u8; 32], b: &[u8; 32]) -> usize {
    let apart: usize = a.iter().zip(b).map(|(x, y)| usize::from(x.abs_diff(*y))).sum();
    apart.div_ceil(2)
}

/// The number of changes (insert, delete, replace, swap two neighbours) that turn
/// `a` into `b`, when it is at most `bound`; `None` when it is more, or when it would
/// take more cells than `cells` has left (each cell filled is taken from it). The
/// rows of its table are kept in `rows`, which a look-up reuses.
fn distance_in(a: &[char], b: &[char], bound: usize, cells: &mut usize, rows: &mut Vec<usize>) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let far = bound + 1;
    let width = b.len() + 1;
    // Three rows of the table: two back (for swaps), the previous and this one.
    rows.clear();
    rows.resize(3 * width, far);
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j.min(far);
    }
    for i in 1..=a.len() {
        let (this, back) = (i % 3, (i + 2) % 3);
        let two_back = (i + 1) % 3;
        let at = |row: usize, j: usize| row * width + j;
        // Only the cells within `bound` of the diagonal can hold `bound` or less.
        let from = i.saturating_sub(bound).max(1);
        let to = (i + bound).min(b.len());
        if let Some(first) = rows.get_mut(at(this, 0)) {
            *first = i.min(far);
        }
        if from > 1 {
            if let Some(before) = rows.get_mut(at(this, from - 1)) {
                *before = far;
            }
        }
        match cells.checked_sub((to + 1).saturating_sub(from)) {
            Some(left) => *cells = left,
            None => {
                *cells = 0;
                return None;
            }
        }
        let mut best = if from == 1 { i.min(far) } else { far };
        for j in from..=to {
            let get = |row: usize, j: usize| rows.get(at(row, j)).copied().unwrap_or(far);
            let (ca, cb) = (a.get(i - 1), b.get(j - 1));
            let cost = usize::from(ca != cb);
            let mut d = (get(back, j - 1) + cost).min(get(back, j) + 1).min(get(this, j - 1) + 1);
            if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                d = d.min(get(two_back, j - 2) + 1);
            }
            let d = d.min(far);
            best = best.min(d);
            if let Some(cell) = rows.get_mut(at(this, j)) {
                *cell = d;
            }
        }
        if let Some(after) = rows.get_mut(at(this, to + 1)) {
            *after = far;
        }
        if best > bound {
            return None;
        }
    }
    rows.get((a.len() % 3) * width + b.len()).copied().filter(|d| *d <= bound)
}

/// The name of `known` nearest to `name`, when one is near enough (see the
/// module's documentation); of names equally near, the first. `name` itself, were
/// it known, would be its own nearest.
pub fn nearest<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let wanted = folded(name)?;
    let wanted_counts = counts(&wanted);
    let mut best: Option<(usize, &'k str)> = None;
    let mut cells = MAX_CELLS;
    let (mut c, mut rows) = (Vec::new(), Vec::new());
    for candidate in known {
        // Reading a name costs its characters too, and a few cells more.
        cells = cells.saturating_sub(candidate.len().min(MAX_COMPARED) + 8);
        if cells == 0 {
            break;
        }
        if !fold_into(candidate, &mut c) {
            continue;
        }
        let mut bound = allowed(wanted.len().min(c.len()));
        if let Some((d, _)) = best {
            // Only a nearer name can take its place.
            match d.checked_sub(1) {
                Some(b) => bound = bound.min(b),
                None => break,
            }
        }
        if at_least(&wanted_counts, &counts(&c)) > bound {
            continue;
        }
        if let Some(d) = distance_in(&wanted, &c, bound, &mut cells, &mut rows) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// ` (did you mean "x"?)` for the name of `known` nearest to `name`, or nothing.
pub fn did_you_mean<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> String {
    nearest(name, known).map(|n| format!(" (did you mean \"{n}\"?)")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance_within(a: &[char], b: &[char], bound: usize, cells: &mut usize) -> Option<usize> {
        distance_in(a, b, bound, cells, &mut Vec::new())
    }

    fn d(a: &str, b: &str) -> Option<usize> {
        distance_within(&folded(a).unwrap(), &folded(b).unwrap(), 10, &mut usize::MAX.to_owned())
    }

    #[test]
    fn distances_count_inserts_deletes_replacements_and_swaps() {
        assert_eq!(d("points", "points"), Some(0));
        assert_eq!(d("poinst", "points"), Some(1), "a swap is one change");
        assert_eq!(d("engagment", "engagement"), Some(1));
        assert_eq!(d("treshold", "threshold"), Some(1));
        assert_eq!(d("wehn", "when"), Some(1));
        assert_eq!(d("min_fit", "minFit"), Some(0), "case and separators do not count");
        assert_eq!(d("pageview", "page_view"), Some(0));
        assert_eq!(d("kitten", "sitting"), Some(3));
        assert_eq!(d("", "abc"), Some(3));
        assert_eq!(d("abc", ""), Some(3));
        assert_eq!(d("ca", "abc"), Some(3), "optimal string alignment: no edit of a swapped pair");
        assert_eq!(d("évènement", "evenement"), Some(2));
    }

    #[test]
    fn a_bound_is_kept_and_gives_the_same_distance_within_it() {
        let words = ["", "a", "ab", "ba", "abc", "acb", "points", "poinst", "pionts", "threshold", "treshold", "xyz"];
        for a in words {
            for b in words {
                let full = d(a, b).unwrap();
                for bound in 0..6 {
                    let banded =
                        distance_within(&folded(a).unwrap(), &folded(b).unwrap(), bound, &mut usize::MAX.to_owned());
                    assert_eq!(banded, (full <= bound).then_some(full), "{a} {b} within {bound}");
                }
            }
        }
    }

    #[test]
    fn the_nearest_name_near_enough_is_suggested() {
        let keys = ["id", "description", "group", "points", "when"];
        assert_eq!(nearest("poinst", keys), Some("points"));
        assert_eq!(nearest("wehn", keys), Some("when"));
        assert_eq!(nearest("Points", keys), Some("points"));
        assert_eq!(nearest("descripton", keys), Some("description"));
        assert_eq!(nearest("weight", keys), None, "nothing near");
        assert_eq!(nearest("x", keys), None);
        assert_eq!(nearest("ids", keys), Some("id"));
        assert_eq!(nearest(&"p".repeat(65), ["p".repeat(65).as_str()]), None, "too long to compare");
        // Of two equally near, the first.
        assert_eq!(nearest("gt", ["gte", "lt"]), Some("gte"));
        assert_eq!(nearest("page_veiw", ["form_submit", "page_view", "pageview"]), Some("page_view"));
        assert_eq!(did_you_mean("treshold", ["threshold", "minFit"]), " (did you mean \"threshold\"?)");
        assert_eq!(did_you_mean("zzz", ["threshold"]), "");
    }

    #[test]
    fn a_look_up_among_very_many_names_stops_at_its_cells() {
        // Names of 60 characters, none near: each is compared over part of its
        // table. A look-up stops once MAX_CELLS are filled, whatever the names.
        let names: Vec<String> = (0..20_000).map(|i| format!("{i:0>60}")).collect();
        let wanted = "q".repeat(60);
        let mut cells = 0;
        for n in &names {
            let mut left = usize::MAX;
            let _ = distance_within(&folded(&wanted).unwrap(), &folded(n).unwrap(), 20, &mut left);
            cells += usize::MAX - left + 61;
        }
        assert!(cells > 10 * MAX_CELLS, "without the limit: {cells} cells");
        assert_eq!(nearest(&wanted, names.iter().map(String::as_str)), None);
        // The names compared before the cells run out are found.
        let mut first = vec!["q".repeat(59) + "x"];
        first.extend(names.iter().cloned());
        assert_eq!(nearest(&wanted, first.iter().map(String::as_str)), first.first().map(String::as_str));
        let mut cells = 5;
        assert_eq!(distance_within(&folded("abcdef").unwrap(), &folded("abcdeg").unwrap(), 2, &mut cells), None);
        assert_eq!(cells, 0, "ran out");
    }
}
