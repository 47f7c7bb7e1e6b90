//! Unicode lowercase: what `str::to_lowercase` gives under Unicode 17.0.0, from
//! tables a tenth the size of std's.
//!
//! Rule sets compare text case-insensitively, so every build carries a lowercase
//! mapping. std's (`LOWERCASE_TABLE`, one 8-byte entry per uppercase letter, and the
//! code around it) was 16 KB of the WebAssembly module; these runs are 1.5 KB and the
//! two property lists for the final sigma 1.3 KB, with 0.5 KB of marks worked out
//! from them at compile time so that a lookup reads at most 16 of their 1,230 runs
//! (reading them from the start, text of Σs beside case-ignorable characters folded
//! ten times slower). They also pin the mapping to one
//! Unicode version, so a CLI built with a newer Rust still folds text as the npm
//! package does. The tests check every character against std while std is at the
//! same Unicode version; `LEADSCORE_WRITE_TABLES=1` writes the tables anew from std
//! when it moves on.

/// The Unicode version of the tables (what `char::UNICODE_VERSION` was when they
/// were written out).
pub const UNICODE_VERSION: (u8, u8, u8) = (17, 0, 0);

/// `s` in lowercase, as `str::to_lowercase` under [`UNICODE_VERSION`]: each letter
/// mapped on its own, except that Σ is ς at the end of a word and σ elsewhere.
// Not #[inline]: scoring uses it only for text beyond ASCII (`value::fold` lowercases
// ASCII itself), so it is built for size with the rest of this crate.
pub fn to_lowercase(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        // ASCII a run at a time, as std does: copied, then lowercased in place.
        let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        // (`ascii` is a character boundary: the checked split keeps core's panic
        // message for slicing text, and what it prints, out of the module.)
        let Some((run, tail)) = rest.split_at_checked(ascii) else { break };
        let from = out.len();
        out.push_str(run);
        if let Some(copied) = out.get_mut(from..) {
            copied.make_ascii_lowercase();
        }
        let mut chars = tail.chars();
        let Some(c) = chars.next() else { break };
        match c {
            'Σ' => out.push(if ends_word(s, s.len() - tail.len()) { 'ς' } else { 'σ' }),
            // The one letter whose lowercase is two characters.
            'İ' => out.push_str("i\u{307}"),
            _ => out.push(lower(c)),
        }
        rest = chars.as_str();
    }
    out
}

/// The lowercase of a character beyond ASCII that maps to one character (all but İ).
fn lower(c: char) -> char {
    let u = u32::from(c);
    let at = LOWER_RUNS.partition_point(|&(head, _)| head & START_MASK <= u);
    let Some(&(head, delta)) = at.checked_sub(1).and_then(|i| LOWER_RUNS.get(i)) else {
        return c;
    };
    // Every other letter (step 2) when the step bit is set: shifts, not division.
    let (start, every_other, count) = (head & START_MASK, head >> STEP_SHIFT & 1, head >> COUNT_SHIFT);
    let offset = u - start;
    if offset & every_other != 0 || offset >> every_other >= count {
        return c;
    }
    u.checked_add_signed(delta).and_then(char::from_u32).unwrap_or(c)
}

/// Unicode's Final_Sigma condition for the Σ at byte `at` of `s`: a cased letter
/// before it and none after it, skipping case-ignorable characters both ways.
fn ends_word(s: &str, at: usize) -> bool {
    let before = s.get(..at).unwrap_or("").chars().rev();
    let after = s.get(at + 'Σ'.len_utf8()..).unwrap_or("").chars();
    cased_next(before) && !cased_next(after)
}

fn cased_next(mut chars: impl Iterator<Item = char>) -> bool {
    chars.find(|&c| !in_runs(CASE_IGNORABLE, &CASE_IGNORABLE_MARKS, c)).is_some_and(|c| in_runs(CASED, &CASED_MARKS, c))
}

/// Whether `c` falls in a set written as alternating run lengths (outside, inside,
/// outside, …, from U+0000), each a LEB128 number, with `marks` its [`RunMarks`].
fn in_runs<const N: usize>(runs: &[u8], marks: &RunMarks<N>, c: char) -> bool {
    in_runs_counted(runs, marks, c).0
}

/// [`in_runs`], and how many runs it read to find out: at most [`RUNS_PER_MARK`].
fn in_runs_counted<const N: usize>(runs: &[u8], marks: &RunMarks<N>, c: char) -> (bool, usize) {
    let c = u32::from(c);
    // The last mark at or before `c` (the first mark is at U+0000).
    let mark = marks.starts.partition_point(|&start| start <= c).saturating_sub(1);
    let (Some(&start), Some(&at)) = (marks.starts.get(mark), marks.offsets.get(mark)) else {
        return (false, 0);
    };
    let runs = runs.get(usize::from(at)..).unwrap_or(&[]);
    // Marks fall on even runs, which are outside the set.
    let (mut end, mut inside, mut len, mut shift, mut read) = (start, false, 0u32, 0u32, 0usize);
    for &b in runs {
        len |= u32::from(b & 0x7f) << shift;
        if b & 0x80 != 0 {
            shift += 7;
            continue;
        }
        read += 1;
        end = end.saturating_add(len);
        if c < end {
            return (inside, read);
        }
        (inside, len, shift) = (!inside, 0, 0);
    }
    (false, read)
}

/// Where reading a set of run lengths may start: the first code point of every
/// [`RUNS_PER_MARK`]-th run (from the first) and the offset of its length in the
/// table. Worked out when the crate is compiled, from the table itself, so a
/// lookup is a binary search over the marks and then a walk of at most
/// `RUNS_PER_MARK` runs: not a walk from U+0000 for each character (the
/// case-ignorable set has 928 runs, and each Σ looks up its neighbours).
struct RunMarks<const N: usize> {
    starts: [u32; N],
    offsets: [u16; N],
}

/// How many marks a set of run lengths has.
const fn mark_count(mut runs: &[u8]) -> usize {
    let mut count = 0usize;
    while let [b, rest @ ..] = runs {
        if *b & 0x80 == 0 {
            count += 1;
        }
        runs = rest;
    }
    count.div_ceil(RUNS_PER_MARK)
}

/// The marks of a set of run lengths, for constants only.
// Evaluated when the crate is compiled: the index is checked against N first, and
// one out of bounds would fail the build rather than panic when it runs.
#[allow(clippy::indexing_slicing)]
const fn run_marks<const N: usize>(mut runs: &[u8]) -> RunMarks<N> {
    let mut marks = RunMarks { starts: [0; N], offsets: [0; N] };
    let (mut at, mut run_at, mut run, mut start, mut len, mut shift) = (0usize, 0usize, 0usize, 0u32, 0u32, 0u32);
    while let [b, rest @ ..] = runs {
        runs = rest;
        at += 1;
        len |= ((*b & 0x7f) as u32) << shift;
        if *b & 0x80 != 0 {
            shift += 7;
            continue;
        }
        let mark = run / RUNS_PER_MARK;
        if run % RUNS_PER_MARK == 0 && mark < N {
            marks.starts[mark] = start;
            marks.offsets[mark] = run_at as u16;
        }
        start += len;
        run += 1;
        (len, shift, run_at) = (0, 0, at);
    }
    marks
}

// The offsets of the marks are u16.
const _: () = assert!(CASE_IGNORABLE.len() <= u16::MAX as usize && CASED.len() <= u16::MAX as usize);
static CASE_IGNORABLE_MARKS: RunMarks<{ mark_count(CASE_IGNORABLE) }> = run_marks(CASE_IGNORABLE);
static CASED_MARKS: RunMarks<{ mark_count(CASED) }> = run_marks(CASED);

// LOWER_RUNS entries: (head, delta). head holds the run's first character (bits
// 0–20), its step less one (bit 21: letters in a row, or every other one) and how
// many letters it maps (bits 22–31); each maps to itself plus delta.
const START_MASK: u32 = (1 << 21) - 1;
const STEP_SHIFT: u32 = 21;
const COUNT_SHIFT: u32 = 22;

/// Runs between two marks of a run index.
const RUNS_PER_MARK: usize = 16;

include!("lowercase_tables.rs");

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables as they would be written from this Rust's std.
    fn tables_from_std() -> (Vec<(u32, i32)>, Vec<u8>, Vec<u8>) {
        let single = |c: char| {
            let mut it = c.to_lowercase();
            match (it.next(), it.next()) {
                (Some(l), None) => Some(l),
                _ => None,
            }
        };
        // (start, last, delta, step)
        let mut runs: Vec<(u32, u32, i64, u32)> = Vec::new();
        for c in (0x80..=0x10_FFFF).filter_map(char::from_u32) {
            let Some(l) = single(c).filter(|&l| l != c) else { continue };
            let (u, delta) = (u32::from(c), i64::from(u32::from(l)) - i64::from(u32::from(c)));
            if let Some(last) = runs.last_mut() {
                let step = u - last.1;
                let continues = last.2 == delta && if last.0 == last.1 { step <= 2 } else { step == last.3 };
                if continues {
                    (last.1, last.3) = (u, step);
                    continue;
                }
            }
            runs.push((u, u, delta, 1));
        }
        let lower_runs = runs
            .iter()
            .map(|&(start, last, delta, step)| {
                let count = (last - start) / step + 1;
                assert!(start <= START_MASK && (1..=2).contains(&step) && count < 1 << (32 - COUNT_SHIFT));
                (start | (step - 1) << STEP_SHIFT | count << COUNT_SHIFT, i32::try_from(delta).unwrap())
            })
            .collect();

        let (ignorable, cased) = sigma_sets_from_std();
        (lower_runs, run_lengths(&ignorable), run_lengths(&cased))
    }

    /// Per character from U+0000 (surrogates as U+0000): whether Final_Sigma skips
    /// it (case-ignorable), and whether it is cased, among the rest. Found from how
    /// std lowercases a Σ beside each character; only that Σ's own lowercase is
    /// looked at, as the character may be a sigma too.
    fn sigma_sets_from_std() -> (Vec<bool>, Vec<bool>) {
        let last_final = |s: String| s.to_lowercase().ends_with('ς');
        let second_final = |s: String| s.to_lowercase().chars().nth(1) == Some('ς');
        let (mut ignorable, mut cased) = (Vec::new(), Vec::new());
        for c in (0..=0x10_FFFF).map(|u| char::from_u32(u).unwrap_or('\u{0}')) {
            let skipped = last_final(format!("A{c}Σ")) && second_final(format!("AΣ{c}"));
            ignorable.push(skipped);
            cased.push(!skipped && last_final(format!("{c}Σ")));
        }
        (ignorable, cased)
    }

    fn run_lengths(set: &[bool]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut inside = false;
        let mut len = 0u32;
        for &b in set {
            if b != inside {
                leb128(&mut out, len);
                (inside, len) = (b, 0);
            }
            len += 1;
        }
        if inside {
            leb128(&mut out, len);
        }
        out
    }

    fn leb128(out: &mut Vec<u8>, mut n: u32) {
        while n >= 0x80 {
            out.push((n & 0x7f) as u8 | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    fn source(lower_runs: &[(u32, i32)], ignorable: &[u8], cased: &[u8]) -> String {
        // Items a line, indented, so that a new Unicode version reads as a diff.
        let lines = |items: Vec<String>, per_line: usize| {
            items.chunks(per_line).map(|line| format!("    {},\n", line.join(", "))).collect::<String>()
        };
        let bytes = |b: &[u8]| lines(b.iter().map(u8::to_string).collect(), 20);
        let runs = lines(lower_runs.iter().map(|(h, d)| format!("({h:#010x}, {d})")).collect(), 6);
        format!(
            "// Written by `LEADSCORE_WRITE_TABLES=1 cargo test -p leadscore-rules lowercase` from\n\
             // std's Unicode {}.{}.{} (lowercase.rs says how they are read). Do not edit.\n\
             static LOWER_RUNS: [(u32, i32); {}] = [\n{runs}];\n\
             static CASE_IGNORABLE: &[u8] = &[\n{}];\n\
             static CASED: &[u8] = &[\n{}];\n",
            char::UNICODE_VERSION.0,
            char::UNICODE_VERSION.1,
            char::UNICODE_VERSION.2,
            lower_runs.len(),
            bytes(ignorable),
            bytes(cased),
        )
    }

    /// The tables are std's while std is at the same Unicode version. When it has
    /// moved on, `LEADSCORE_WRITE_TABLES=1` writes them out anew (and then
    /// [`UNICODE_VERSION`] and the docs must follow: folding changes for some text).
    #[test]
    fn tables_are_stds() {
        let (runs, ignorable, cased) = tables_from_std();
        if std::env::var_os("LEADSCORE_WRITE_TABLES").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/lowercase_tables.rs");
            std::fs::write(path, source(&runs, &ignorable, &cased)).unwrap();
            return;
        }
        if char::UNICODE_VERSION != UNICODE_VERSION {
            eprintln!(
                "std has Unicode {:?}, the lowercase tables {UNICODE_VERSION:?}: not compared",
                char::UNICODE_VERSION
            );
            return;
        }
        assert_eq!(runs.as_slice(), LOWER_RUNS.as_slice(), "LOWER_RUNS is not std's: write the tables again");
        assert_eq!(ignorable.as_slice(), CASE_IGNORABLE, "CASE_IGNORABLE is not std's: write the tables again");
        assert_eq!(cased.as_slice(), CASED, "CASED is not std's: write the tables again");
    }

    /// Every character lowercases as std does; and beside a Σ on either side, the
    /// first and last character of every run of the Final_Sigma sets does. (The sets
    /// are constant within a run, and reading the run lengths takes time in debug
    /// builds: every character beside a Σ took 36 s.)
    #[test]
    fn every_character_lowercases_as_std_does() {
        if char::UNICODE_VERSION != UNICODE_VERSION {
            eprintln!(
                "std has Unicode {:?}, the lowercase tables {UNICODE_VERSION:?}: not compared",
                char::UNICODE_VERSION
            );
            return;
        }
        let mut buf = [0u8; 4];
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let text = c.encode_utf8(&mut buf);
            assert_eq!(to_lowercase(text), text.to_lowercase(), "U+{:04X}", u32::from(c));
        }
        let (ignorable, cased) = sigma_sets_from_std();
        let class = |u: usize| (ignorable.get(u).copied(), cased.get(u).copied());
        let run_ends = (0..ignorable.len()).filter(|&u| u == 0 || class(u) != class(u - 1) || class(u) != class(u + 1));
        let mut text = String::new();
        let mut checked = 0;
        for c in run_ends.filter_map(|u| char::from_u32(u32::try_from(u).unwrap())) {
            for shape in [&[c, 'Σ'][..], &['A', c, 'Σ'], &['A', 'Σ', c], &['Σ', c, 'Σ']] {
                text.clear();
                text.extend(shape);
                assert_eq!(to_lowercase(&text), text.to_lowercase(), "{text:?} (U+{:04X})", u32::from(c));
            }
            checked += 1;
        }
        assert!(checked > 1_000, "only {checked} characters beside a Σ");
    }

    /// The runs of a set of run lengths, as the code points where each ends.
    fn run_ends(runs: &[u8]) -> Vec<u32> {
        let (mut ends, mut end, mut len, mut shift) = (Vec::new(), 0u32, 0u32, 0u32);
        for &b in runs {
            len |= u32::from(b & 0x7f) << shift;
            if b & 0x80 != 0 {
                shift += 7;
                continue;
            }
            end += len;
            ends.push(end);
            (len, shift) = (0, 0);
        }
        ends
    }

    /// The final sigma's two sets answer for every character as their runs say, and
    /// each answer reads at most [`RUNS_PER_MARK`] runs: the lookup is a binary
    /// search then a short walk, not a walk from U+0000 (the case-ignorable set has
    /// 928 runs, and a Σ looks its neighbours up in both sets).
    #[test]
    fn final_sigma_sets_are_looked_up_in_a_few_runs() {
        for (name, runs) in [("CASE_IGNORABLE", CASE_IGNORABLE), ("CASED", CASED)] {
            let ends = run_ends(runs);
            assert!(ends.len() > 100, "{name}: {} runs", ends.len());
            let (mut run, mut most) = (0usize, 0usize);
            for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
                while ends.get(run).is_some_and(|&end| u32::from(c) >= end) {
                    run += 1;
                }
                let (inside, read) = match name {
                    "CASED" => in_runs_counted(runs, &CASED_MARKS, c),
                    _ => in_runs_counted(runs, &CASE_IGNORABLE_MARKS, c),
                };
                assert_eq!(inside, run < ends.len() && run % 2 == 1, "{name}, U+{:04X}", u32::from(c));
                most = most.max(read);
            }
            assert!(most <= RUNS_PER_MARK, "{name}: a lookup read {most} runs");
        }
    }

    /// What does not depend on std's version: the examples of the Unicode standard.
    #[test]
    fn known_mappings() {
        assert_eq!(to_lowercase("VP Sales"), "vp sales");
        assert_eq!(to_lowercase("ÉTÉ À PARIS"), "été à paris");
        assert_eq!(to_lowercase("ĀĂĄ"), "āăą");
        assert_eq!(to_lowercase("ДИРЕКТОР"), "директор");
        assert_eq!(to_lowercase("Ωhm Ω"), "ωhm ω");
        assert_eq!(to_lowercase("ẞ"), "ß");
        assert_eq!(to_lowercase("İstanbul"), "i\u{307}stanbul");
        assert_eq!(to_lowercase("ᲠᲣᲡ"), "რუს");
        assert_eq!(to_lowercase("𐐀𐐁"), "𐐨𐐩");
        // Final sigma: at a word's end only, looking past case-ignorable marks.
        assert_eq!(to_lowercase("ΟΔΟΣ"), "οδος");
        assert_eq!(to_lowercase("ΟΔΟΣ ΣΑ"), "οδος σα");
        assert_eq!(to_lowercase("ΣΑ"), "σα");
        assert_eq!(to_lowercase("Σ"), "σ");
        assert_eq!(to_lowercase("ΑΣ'"), "ας'");
        assert_eq!(to_lowercase("Α'Σ"), "α'ς");
        assert_eq!(to_lowercase("ΑΣ'Β"), "ασ'β");
        // Unchanged: lowercase, digits, marks, CJK.
        assert_eq!(to_lowercase("ß 42 ̈ 漢字"), "ß 42 ̈ 漢字");
    }
}
