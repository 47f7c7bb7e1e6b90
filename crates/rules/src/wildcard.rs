//! `like` patterns: whole-text wildcard matching over Unicode scalar values, where
//! `*` is any run of characters (also none) and `?` exactly one, in time linear in
//! the text whatever the pattern. A pattern may name an escape character: then that
//! character before `*`, `?` or itself stands for the second, literally.

use crate::search::Automaton;

/// A `like` pattern, folded, compiled to be matched against folded text.
///
/// The pattern is split at its `*`s into segments, and each segment at its `?`s
/// into literal runs at fixed offsets. The first segment must match at the start
/// of the text and the last at its end; each segment between them is found by a
/// search from where the previous one ended, leftmost first (with `*` the only
/// variable-length wildcard, the leftmost occurrence of each segment leaves the most
/// room for the next, so this finds a match whenever there is one). A segment with
/// one literal run is found with a Knuth-Morris-Pratt automaton; one with several,
/// by running the automaton of each over the same stretch of text and counting, at
/// each start, the runs found where the segment needs them.
///
/// Work: for a text of n characters, a pattern of m characters and r literal runs
/// in the segments between the first and the last `*`, at most 2n(r + 1) + 3m
/// comparisons of a character of the text with one of the pattern, plus, for a
/// segment of several runs, a count per start; never a backtrack.
#[derive(Debug, Clone, PartialEq)]
pub struct Wildcard {
    /// The pattern as written (folded): what the compiled form of a rule set keeps.
    pattern: Box<str>,
    /// The escape character the pattern was written with, if any.
    escape: Option<char>,
    /// Before the first `*` (all of the pattern when it has none).
    head: Segment,
    /// After the last `*`; `None` when the pattern has no `*`.
    tail: Option<Segment>,
    /// Between two `*`s, in order; empty ones (`**`) left out.
    middle: Box<[Segment]>,
}

/// One place of a pattern: `*`, `?` or a character that matches itself.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Star,
    One,
    Char(char),
}

impl Piece {
    /// `c` of a pattern; `literal` when it was escaped.
    fn of(c: char, literal: bool) -> Piece {
        match (c, literal) {
            ('*', false) => Piece::Star,
            ('?', false) => Piece::One,
            (c, _) => Piece::Char(c),
        }
    }
}

/// A stretch of a pattern without `*`: literal runs, with the `?`s around them.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    /// Length in characters, `?`s included.
    len: usize,
    runs: Box<[Run]>,
}

/// A run of literal characters in a segment.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    /// Where it starts in its segment, in characters.
    at: usize,
    chars: Automaton<char>,
}

/// One unit of text to match a pattern against: an ASCII byte (lowercased as it is
/// read, so ASCII text is matched in place) or a character of folded text.
pub trait Unit: Copy {
    /// The unit as a character of folded text.
    fn folded(self) -> char;
}

impl Unit for u8 {
    #[inline]
    fn folded(self) -> char {
        char::from(self.to_ascii_lowercase())
    }
}

impl Unit for char {
    #[inline]
    fn folded(self) -> char {
        self
    }
}

impl Wildcard {
    /// The pattern `folded` (text already case-folded).
    pub fn new(folded: &str) -> Wildcard {
        Wildcard::with_units(folded, None, folded.chars().map(|c| Piece::of(c, false)).collect())
    }

    /// The pattern `folded` with the escape character `escape`, or why it cannot be
    /// read: an escape must stand before `*`, `?` or itself.
    pub fn escaped(folded: &str, escape: char) -> Result<Wildcard, String> {
        let mut pieces = Vec::with_capacity(folded.len());
        let mut chars = folded.chars();
        while let Some(c) = chars.next() {
            if c != escape {
                pieces.push(Piece::of(c, false));
                continue;
            }
            match chars.next() {
                Some(next @ ('*' | '?')) => pieces.push(Piece::of(next, true)),
                Some(next) if next == escape => pieces.push(Piece::of(next, true)),
                Some(next) => {
                    return Err(format!(
                        "the escape \"{escape}\" stands before \"{next}\"; it may stand only before \"*\", \"?\" or \"{escape}\""
                    ))
                }
                None => {
                    return Err(format!(
                        "the pattern ends with the escape \"{escape}\": write \"{escape}{escape}\" for the character itself"
                    ))
                }
            }
        }
        Ok(Wildcard::with_units(folded, Some(escape), pieces))
    }

    fn with_units(folded: &str, escape: Option<char>, pieces: Vec<Piece>) -> Wildcard {
        let mut segments = pieces.split(|&p| p == Piece::Star).map(Segment::new);
        let head = segments.next().unwrap_or_else(|| Segment::new(&[]));
        let mut rest: Vec<Segment> = segments.collect();
        let tail = rest.pop();
        rest.retain(|s| s.len > 0);
        Wildcard { pattern: folded.into(), escape, head, tail, middle: rest.into() }
    }

    /// The pattern it was made from (folded).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The escape character it was made with.
    pub fn escape(&self) -> Option<char> {
        self.escape
    }

    /// How many runs of literal characters lie between the pattern's first and
    /// last `*` (the r of the bound above).
    pub fn middle_runs(&self) -> usize {
        self.middle.iter().map(|s| s.runs.len()).sum()
    }

    /// Whether the pattern matches the whole of `text`.
    #[inline]
    pub fn matches<T: Unit>(&self, text: &[T]) -> bool {
        self.matches_counted(text).0
    }

    /// [`Wildcard::matches`], and how many comparisons of a character of the text
    /// with one of the pattern it made (bounded as the type says).
    #[inline]
    pub fn matches_counted<T: Unit>(&self, text: &[T]) -> (bool, usize) {
        let mut steps = 0;
        let n = text.len();
        let found = match &self.tail {
            None => n == self.head.len && self.head.matches_at(text, 0, &mut steps),
            Some(tail) => {
                n >= self.head.len + tail.len
                    && self.head.matches_at(text, 0, &mut steps)
                    && tail.matches_at(text, n - tail.len, &mut steps)
                    && self.middle_matches(text, self.head.len, n - tail.len, &mut steps)
            }
        };
        (found, steps)
    }

    /// Whether the middle segments occur in order, apart, within `text[from..end]`.
    fn middle_matches<T: Unit>(&self, text: &[T], mut from: usize, end: usize, steps: &mut usize) -> bool {
        self.middle.iter().all(|segment| match segment.find(text, from, end, steps) {
            Some(at) => {
                from = at + segment.len;
                true
            }
            None => false,
        })
    }
}

impl Segment {
    fn new(pieces: &[Piece]) -> Segment {
        let mut runs = Vec::new();
        let mut run: Vec<char> = Vec::new();
        for (i, piece) in pieces.iter().chain([Piece::One].iter()).enumerate() {
            match piece {
                Piece::Char(c) => run.push(*c),
                _ if !run.is_empty() => {
                    runs.push(Run::new(i - run.len(), &run));
                    run.clear();
                }
                _ => {}
            }
        }
        Segment { len: pieces.len(), runs: runs.into() }
    }

    /// Whether the segment matches `text` from `at` (which leaves room for it).
    #[inline]
    fn matches_at<T: Unit>(&self, text: &[T], at: usize, steps: &mut usize) -> bool {
        self.runs.iter().all(|run| {
            run.chars.units().iter().enumerate().all(|(i, &c)| {
                *steps += 1;
                text.get(at + run.at + i).is_some_and(|t| t.folded() == c)
            })
        })
    }

    /// Where the segment first occurs in `text[from..end]`.
    fn find<'t, T: Unit>(&self, text: &'t [T], from: usize, end: usize, steps: &mut usize) -> Option<usize> {
        let last = end.checked_sub(self.len).filter(|&last| last >= from)?;
        // Where a run may be for the segment to start from `from` to `last`.
        let window = |run: &Run| text.get(from + run.at..last + run.at + run.len());
        let folded = |window: &'t [T]| window.iter().map(|t| t.folded());
        match &*self.runs {
            [] => Some(from),
            [run] => run.chars.find(folded(window(run)?), steps).map(|q| from + q),
            runs => {
                // How many runs are in place for the segment to start at from + i.
                let mut in_place = vec![0u16; last - from + 1];
                for run in runs {
                    run.chars.scan(folded(window(run)?), steps, |q| {
                        if let Some(n) = in_place.get_mut(q) {
                            *n = n.saturating_add(1);
                        }
                        true
                    });
                }
                in_place.iter().position(|&n| usize::from(n) == runs.len()).map(|i| from + i)
            }
        }
    }
}

impl Run {
    fn new(at: usize, chars: &[char]) -> Run {
        Run { at, chars: Automaton::new(chars) }
    }

    fn len(&self) -> usize {
        self.chars.units().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::fold;
    use proptest::prelude::*;

    /// The backtracking matcher this one replaced (`value::wildcard_match`): the
    /// reference for what a pattern matches. Iterative with one backtrack point:
    /// it compares the pattern with the text again from each position the last
    /// `*` can take, pattern length × text length in the worst case.
    fn reference(pattern: &[char], text: &str) -> bool {
        let next = |at: usize| text.get(at..).and_then(|rest| rest.chars().next());
        let (mut p, mut t) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while let Some(tc) = next(t) {
            match pattern.get(p) {
                Some('*') => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(&c) if c == '?' || c == tc => {
                    p += 1;
                    t += tc.len_utf8();
                }
                _ => match star {
                    Some((sp, st)) => {
                        // Let the star take one more character and try again after it.
                        let st = st + next(st).map_or(1, char::len_utf8);
                        p = sp + 1;
                        t = st;
                        star = Some((sp, st));
                    }
                    None => return false,
                },
            }
        }
        pattern.get(p..).is_some_and(|rest| rest.iter().all(|&c| c == '*'))
    }

    /// Its twin over ASCII text, matched in place (`condition::ascii::wildcard`).
    fn reference_ascii(p: &[char], t: &[u8]) -> bool {
        let (mut pi, mut ti) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while let Some(&tc) = t.get(ti) {
            match p.get(pi) {
                Some('*') => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                Some(&c) if c == '?' || (c.is_ascii() && (c as u8) == tc.to_ascii_lowercase()) => {
                    pi += 1;
                    ti += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        pi = sp + 1;
                        ti = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        p.get(pi..).is_some_and(|rest| rest.iter().all(|&c| c == '*'))
    }

    /// `pattern` (as written in a rule set) against `text` (as an event has it),
    /// new and old: the same answer on both paths (ASCII in place, other text
    /// folded), within the bound on the work.
    fn agrees(pattern: &str, text: &str) -> Result<(), TestCaseError> {
        let pattern = fold(pattern);
        let w = Wildcard::new(&pattern);
        let p = chars(&pattern);
        let folded = fold(text);
        let expected = reference(&p, &folded);
        let (found, steps) = w.matches_counted(&chars(&folded));
        prop_assert_eq!(found, expected, "{:?} against {:?}", pattern, text);
        prop_assert!(steps <= bound(&pattern, folded.chars().count()), "{:?}: {} steps", pattern, steps);
        if text.is_ascii() {
            prop_assert_eq!(reference_ascii(&p, text.as_bytes()), expected);
            let (found, steps) = w.matches_counted(text.as_bytes());
            prop_assert_eq!(found, expected, "{:?} against {:?} (ASCII)", pattern, text);
            prop_assert!(steps <= bound(&pattern, text.len()));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        /// Few letters, so that runs recur and overlap in the text.
        #[test]
        fn matches_as_backtracking_did_over_ascii(pattern in "[ab?*]{0,10}", text in "[abAB?*]{0,24}") {
            agrees(&pattern, &text)?;
        }

        /// Patterns built of runs that recur in the text and overlap one another.
        #[test]
        fn matches_as_backtracking_did_with_recurring_runs(
            tokens in prop::collection::vec(prop::sample::select(vec!["a", "b", "aa", "ab", "aab", "?", "*"]), 0..8),
            ends in (any::<bool>(), any::<bool>()),
            text in prop::collection::vec(prop::sample::select(vec!["a", "a", "a", "b"]), 0..24),
        ) {
            let star = |on: bool| if on { "*" } else { "" };
            agrees(&format!("{}{}{}", star(ends.0), tokens.concat(), star(ends.1)), &text.concat())?;
        }

        /// Letters beyond ASCII, ones that fold to two characters (İ) or by
        /// context (Σ), and the wildcards as text.
        #[test]
        fn matches_as_backtracking_did_beyond_ascii(
            pattern in "[aéß?*İΣς]{0,10}",
            text in "[aAéÉßẞ?*İiΣσς\u{307}]{0,20}",
        ) {
            agrees(&pattern, &text)?;
        }

        /// Patterns and texts of any characters.
        #[test]
        fn matches_as_backtracking_did_on_any_text(pattern in "\\PC{0,12}", text in "\\PC{0,24}") {
            agrees(&pattern, &text)?;
        }
    }

    /// Whole-text match of `pieces` against `text` by trying every split: slow,
    /// and plainly right.
    fn reference_pieces(pieces: &[Piece], text: &[char]) -> bool {
        match pieces.split_first() {
            None => text.is_empty(),
            Some((Piece::Star, rest)) => (0..=text.len()).any(|i| reference_pieces(rest, &text[i..])),
            Some((Piece::One, rest)) => !text.is_empty() && reference_pieces(rest, &text[1..]),
            Some((Piece::Char(c), rest)) => text.first() == Some(c) && reference_pieces(rest, &text[1..]),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// With an escape, `\*`, `\?` and `\\` are the characters themselves, and
        /// the rest is matched as without one.
        #[test]
        fn escaped_patterns_match_their_literal_characters(
            tokens in prop::collection::vec(prop::sample::select(vec!["a", "b", "*", "?", "\\*", "\\?", "\\\\"]), 0..8),
            text in prop::collection::vec(prop::sample::select(vec!["a", "b", "*", "?", "\\"]), 0..12),
        ) {
            let pattern = tokens.concat();
            let pieces: Vec<Piece> = tokens
                .iter()
                .map(|t| match *t {
                    "*" => Piece::Star,
                    "?" => Piece::One,
                    t => Piece::Char(t.chars().last().unwrap_or('a')),
                })
                .collect();
            let text: Vec<char> = text.concat().chars().collect();
            let w = Wildcard::escaped(&pattern, '\\').map_err(TestCaseError::fail)?;
            prop_assert_eq!(w.matches(&text), reference_pieces(&pieces, &text), "{:?}", pattern);
            let ascii: String = text.iter().collect();
            prop_assert_eq!(w.matches(ascii.as_bytes()), reference_pieces(&pieces, &text));
            // Without an escape character the same text is a pattern as before.
            prop_assert_eq!(Wildcard::new(&pattern).matches(&text), reference(&chars(&pattern), &ascii));
        }
    }

    #[test]
    fn escapes_are_read_strictly() {
        let m = |pattern: &str, text: &str| Wildcard::escaped(pattern, '\\').is_ok_and(|w| w.matches(text.as_bytes()));
        assert!(m("what\\?", "what?") && !m("what\\?", "whats"));
        assert!(m("\\**", "*star") && !m("\\**", "star"));
        assert!(m("a\\\\b", "a\\b") && !m("a\\\\b", "a\\\\b"));
        assert!(Wildcard::escaped("50\\%", '\\').is_err_and(|m| m.contains("before \"%\"")));
        assert!(Wildcard::escaped("end\\", '\\').is_err_and(|m| m.contains("ends with the escape")));
        // Without an escape, a backslash is a character like any other.
        assert!(Wildcard::new("a\\*").matches("a\\bc".as_bytes()));
        assert_eq!(Wildcard::escaped("a!*", '!').map(|w| w.escape()), Ok(Some('!')));
    }

    #[test]
    fn examples() {
        let m = |pattern: &str, text: &str| Wildcard::new(&fold(pattern)).matches(text.as_bytes());
        assert!(m("/docs/*", "/docs/api") && m("/docs/*", "/docs/") && !m("/docs/*", "/doc"));
        assert!(m("*@gmail.*", "Ann@GMAIL.com"));
        assert!(m("a?c", "abc") && !m("a?c", "ac") && !m("a?c", "abbc"));
        assert!(m("*", "") && m("**", "x") && m("?*?", "ab") && !m("?*?", "a"));
        assert!(m("*a?a*b", "xxaxaxxb") && !m("*a?a*b", "xxaxxb"));
        assert!(m("*ab*ab*", "abab") && !m("*ab*ab*", "aba"));
        // A run found where it overlaps an earlier try: "aab" in "aaab".
        assert!(m("*aab", "aaab") && m("x*aab*", "xaaab"));
        // Runs of one segment that overlap where they occur: "aa" at 0 and 1.
        assert!(m("*aa?b*", "aaaab") && m("*aa?aa*", "aaaaa") && !m("*aa?aa*", "aaaa"));
        let m = |pattern: &str, text: &str| Wildcard::new(&fold(pattern)).matches(&chars(&fold(text)));
        assert!(m("é*", "Été") && m("?t?", "été") && !m("??", "été"));
        assert!(m("*σ?", "ΑΣΑ") && m("*ς", "ΑΣ"));
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// The steps a match may take, as [`Wildcard`] says.
    fn bound(pattern: &str, text_len: usize) -> usize {
        let middle = pattern.split('*').count().saturating_sub(2);
        let runs: usize = pattern
            .split('*')
            .skip(1)
            .take(middle)
            .map(|segment| segment.split('?').filter(|run| !run.is_empty()).count())
            .sum();
        2 * text_len * (runs + 1) + 3 * pattern.chars().count()
    }

    /// A pattern whose runs nearly match the text at every position: backtracking
    /// from each `*` compared the pattern with the text at every position of it.
    #[test]
    fn matching_takes_steps_linear_in_the_text() {
        let text = "a".repeat(510);
        let long_run = format!("*{}b", "a".repeat(254));
        let gaps = format!("*{}b", "a?".repeat(127));
        let many_stars = format!("{}b", "*a".repeat(200));
        let mixed = format!("a*{}*{}*b?", "a".repeat(100), "a?a".repeat(30));
        for pattern in [long_run, gaps, many_stars, mixed, "*".into(), "*a*".into(), "?*?".into()] {
            let w = Wildcard::new(&pattern);
            for text in [text.as_str(), "", "a", "aab", "ab"] {
                let (_, steps) = w.matches_counted(text.as_bytes());
                assert!(steps <= bound(&pattern, text.len()), "{pattern:?} against {} a's: {steps} steps", text.len());
                let (_, steps) = w.matches_counted(&chars(text));
                assert!(
                    steps <= bound(&pattern, text.len()),
                    "{pattern:?} (chars) against {}: {steps} steps",
                    text.len()
                );
            }
        }
    }
}
