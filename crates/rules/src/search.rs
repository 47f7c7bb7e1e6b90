//! Finding a run of characters or bytes in text with a Knuth-Morris-Pratt
//! automaton: each unit of the text is read once, with at most as many fallbacks
//! in all, whatever the run. `contains` and `word` find their texts with it, and
//! `like` the runs of its patterns ([`crate::wildcard`]).

/// A run of units (characters, bytes) to find, with where to resume after a
/// mismatch.
#[derive(Debug, Clone, PartialEq)]
pub struct Automaton<C> {
    units: Box<[C]>,
    /// For each `units[..=i]`, the length of its longest proper prefix that is
    /// also a suffix.
    borders: Box<[u32]>,
}

impl<C: Copy + PartialEq> Automaton<C> {
    pub fn new(units: &[C]) -> Automaton<C> {
        let mut borders = vec![0u32; units.len()];
        let mut k = 0usize;
        for (i, &c) in units.iter().enumerate().skip(1) {
            while k > 0 && units.get(k) != Some(&c) {
                k = border(&borders, k);
            }
            if units.get(k) == Some(&c) {
                k += 1;
            }
            if let Some(b) = borders.get_mut(i) {
                *b = u32::try_from(k).unwrap_or(0);
            }
        }
        Automaton { units: units.into(), borders: borders.into() }
    }

    pub fn units(&self) -> &[C] {
        &self.units
    }

    /// Where the run first occurs in `text`, counting in `steps` the comparisons of
    /// a unit of the text with one of the run: at most twice the units read.
    #[inline]
    pub fn find(&self, text: impl IntoIterator<Item = C>, steps: &mut usize) -> Option<usize> {
        let mut first = None;
        self.scan(text, steps, |at| {
            first = Some(at);
            false
        });
        first
    }

    /// Calls `found` with where the run occurs in `text`, each place in order
    /// (occurrences that overlap included), as long as `found` says to go on.
    #[inline]
    pub fn scan(&self, text: impl IntoIterator<Item = C>, steps: &mut usize, mut found: impl FnMut(usize) -> bool) {
        let len = self.units.len();
        if len == 0 {
            return;
        }
        let mut k = 0usize;
        for (i, c) in text.into_iter().enumerate() {
            loop {
                *steps += 1;
                if self.units.get(k) == Some(&c) {
                    k += 1;
                    break;
                }
                if k == 0 {
                    break;
                }
                k = border(&self.borders, k);
            }
            if k == len {
                if !found(i + 1 - len) {
                    return;
                }
                k = border(&self.borders, k);
            }
        }
    }
}

/// Where the automaton resumes after the first `k` units of its run matched and
/// the next did not (`k` > 0).
#[inline]
fn border(borders: &[u32], k: usize) -> usize {
    borders.get(k.wrapping_sub(1)).map_or(0, |&b| b as usize)
}

/// A text that `contains` or `word` looks for, folded, as bytes: found in ASCII
/// text lowercased as it is read, and in other text once that is folded (where
/// lowercasing ASCII bytes changes nothing). In UTF-8 an occurrence of a whole
/// text always starts at a character boundary, so the bytes find what the
/// characters would.
#[derive(Debug, Clone, PartialEq)]
pub struct Needle(Automaton<u8>);

impl Needle {
    /// The text `folded` (already case-folded).
    pub fn new(folded: &str) -> Needle {
        Needle(Automaton::new(folded.as_bytes()))
    }

    /// The text it finds (folded), as it was made from.
    pub fn text(&self) -> &str {
        std::str::from_utf8(self.0.units()).unwrap_or_default()
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.0.units().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.units().is_empty()
    }

    /// Where it first occurs in `text` (ASCII, or folded): at most 2 × `text.len()`
    /// comparisons, counted in `steps`.
    #[inline]
    pub fn find(&self, text: &[u8], steps: &mut usize) -> Option<usize> {
        self.0.find(text.iter().map(u8::to_ascii_lowercase), steps)
    }

    /// Whether it occurs in `text` (ASCII, or folded) with `is_edge(before, after)`
    /// true of the bytes at its two ends (`before` is the start of the occurrence,
    /// `after` its end), each occurrence tried in order.
    #[inline]
    pub fn occurs_where(&self, text: &[u8], steps: &mut usize, mut is_edge: impl FnMut(usize, usize) -> bool) -> bool {
        let mut found = false;
        let len = self.len();
        self.0.scan(text.iter().map(u8::to_ascii_lowercase), steps, |at| {
            found = is_edge(at, at + len);
            !found
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alphanumeric::is_alphanumeric;
    use crate::value::{contains_word, fold};
    use proptest::prelude::*;

    /// How `word` was found before (`value::contains_word` with `str::find`): the
    /// reference, trying each occurrence from one character past the last.
    fn reference_word(haystack: &str, needle: &str) -> bool {
        if needle.is_empty() {
            return false;
        }
        let mut from = 0;
        while let Some(pos) = haystack.get(from..).and_then(|h| h.find(needle)) {
            let start = from + pos;
            let end = start + needle.len();
            let before_ok = haystack[..start].chars().next_back().is_none_or(|c| !is_alphanumeric(c));
            let after_ok = haystack[end..].chars().next().is_none_or(|c| !is_alphanumeric(c));
            if before_ok && after_ok {
                return true;
            }
            from = start + haystack[start..].chars().next().map_or(1, char::len_utf8);
        }
        false
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        /// `contains` and `word` of a needle (as written in a rule set) in a text
        /// (as an event has it) find what `str::find` on the folded texts finds.
        #[test]
        fn finds_what_str_find_finds(needle in "[aAb é-]{1,4}", text in "[aAb éÉ-]{0,24}") {
            let (needle, folded) = (fold(&needle), fold(&text));
            let n = Needle::new(&needle);
            let expected = folded.find(&*needle);
            let mut steps = 0;
            prop_assert_eq!(n.find(folded.as_bytes(), &mut steps), expected);
            prop_assert!(steps <= 2 * folded.len());
            if text.is_ascii() {
                prop_assert_eq!(n.find(text.as_bytes(), &mut 0), expected);
            }
            prop_assert_eq!(contains_word(&folded, &n), reference_word(&folded, &needle));
        }
    }

    /// A text that nearly occurs at every position of the text: the search that
    /// compared it at each position read it again each time.
    #[test]
    fn finding_reads_the_text_once() {
        let text = "a".repeat(510);
        for needle in ["a".repeat(254) + "b", "a".repeat(509) + "b", "ab".into(), "aab".repeat(50), "a".into()] {
            let n = Needle::new(&needle);
            let mut steps = 0;
            let found = n.find(text.as_bytes(), &mut steps);
            assert_eq!(found, text.find(&needle), "{needle:?}");
            assert!(steps <= 2 * text.len(), "{needle:?}: {steps} steps");
            let mut steps = 0;
            n.occurs_where(text.as_bytes(), &mut steps, |_, _| false);
            assert!(steps <= 2 * text.len(), "{needle:?} (every occurrence): {steps} steps");
        }
    }

    #[test]
    fn every_occurrence_is_found_in_order() {
        let n = Automaton::new(b"aa");
        let mut at = Vec::new();
        n.scan(b"aaaxaa".iter().copied(), &mut 0, |i| {
            at.push(i);
            true
        });
        assert_eq!(at, [0, 1, 4]);
        let abab = Automaton::new(b"abab");
        let mut at = Vec::new();
        abab.scan(b"abababxabab".iter().copied(), &mut 0, |i| {
            at.push(i);
            true
        });
        assert_eq!(at, [0, 2, 7]);
        assert_eq!(Needle::new("vp").find(b"Senior VP", &mut 0), Some(7));
        assert_eq!(Needle::new("é").find("café é".as_bytes(), &mut 0), Some(3));
    }
}
