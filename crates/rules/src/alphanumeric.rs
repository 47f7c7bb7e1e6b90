//! Which characters are letters or digits, for the `word` operator's boundaries:
//! what `char::is_alphanumeric` gives under Unicode 17.0.0 (the Alphabetic property,
//! or General_Category Nd, Nl or No), from leadscore's own table.
//!
//! std's answer follows the Unicode version of the Rust that built it, so a CLI
//! built with a newer Rust could find a word the npm package does not (a letter
//! added to Unicode joins the text around it). The table pins it to one version, as
//! `lowercase.rs` pins case folding. It lists the *boundaries* of the runs of
//! alphanumeric characters, in order from U+0000 (outside a run): the first
//! character of a run, the first after it, the first of the next run, and so on.
//! Stored as the differences between boundaries, LEB128, with every 32nd boundary
//! and where the differences after it start kept whole: a look-up is a binary
//! search of those, then at most 31 steps. 2.1 KB in all; the WebAssembly module
//! came out 0.5 KB smaller (0.2 KB gzip) than with std's tables, which it no longer
//! carries. The tests check every character against std while std is at the same
//! Unicode version; `LEADSCORE_WRITE_TABLES=1` writes the table anew from std when
//! it moves on.

/// The Unicode version of the table (what `char::UNICODE_VERSION` was when it was
/// written out).
pub const UNICODE_VERSION: (u8, u8, u8) = (17, 0, 0);

/// Every STEP-th boundary (from the first) is kept whole in `BOUNDARY_INDEX`.
const STEP: usize = 32;

/// Whether `c` is alphanumeric: `char::is_alphanumeric` under [`UNICODE_VERSION`].
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        beyond_ascii(c)
    }
}

/// [`is_alphanumeric`] from the table. Not `#[inline]`: scoring needs it only beside
/// a word in text beyond ASCII, so it is built for size with the rest of this crate.
fn beyond_ascii(c: char) -> bool {
    let u = u32::from(c);
    // The last whole boundary at or below `c` (none: `c` is before the first run).
    let Some(k) = BOUNDARY_INDEX.partition_point(|&b| b <= u).checked_sub(1) else { return false };
    let (Some(&whole), Some(&from)) = (BOUNDARY_INDEX.get(k), DELTA_STARTS.get(k)) else { return false };
    // Step through the boundaries after it while they are at or below `c`; the next
    // whole boundary is above `c`, so this stops within STEP - 1 steps.
    let (mut boundary, mut n) = (whole, k * STEP);
    let mut deltas = DELTAS.get(usize::from(from)..).unwrap_or(&[]).iter();
    while let Some(delta) = leb128(&mut deltas) {
        match boundary.checked_add(delta) {
            Some(next) if next <= u => (boundary, n) = (next, n + 1),
            _ => break,
        }
    }
    // Boundary n (from 0) is the last at or below `c`: even ones start runs.
    n % 2 == 0
}

/// The next LEB128 number (7 bits a byte, low bits first, high bit set when more follow).
fn leb128<'a>(bytes: &mut impl Iterator<Item = &'a u8>) -> Option<u32> {
    let (mut value, mut shift) = (0u32, 0u32);
    for &b in bytes {
        value |= u32::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
        if b & 0x80 == 0 {
            return Some(value);
        }
        shift += 7;
    }
    None
}

include!("alphanumeric_tables.rs");

#[cfg(test)]
mod tests {
    use super::*;

    /// The table as it would be written from this Rust's std: (every STEP-th
    /// boundary, where the deltas after each of those start, the deltas).
    fn table_from_std() -> (Vec<u32>, Vec<u16>, Vec<u8>) {
        let mut boundaries: Vec<u32> = Vec::new();
        let mut inside = false;
        for u in 0..=0x10_FFFF {
            let alphanumeric = char::from_u32(u).is_some_and(char::is_alphanumeric);
            if alphanumeric != inside {
                boundaries.push(u);
                inside = alphanumeric;
            }
        }
        assert!(!inside, "a run reaches U+10FFFF");
        let (mut index, mut starts, mut deltas) = (Vec::new(), Vec::new(), Vec::new());
        for (i, &b) in boundaries.iter().enumerate() {
            if i % STEP == 0 {
                index.push(b);
                starts.push(u16::try_from(deltas.len()).unwrap());
            }
            if let Some(&next) = boundaries.get(i + 1) {
                let mut d = next - b;
                while d >= 0x80 {
                    deltas.push((d & 0x7f) as u8 | 0x80);
                    d >>= 7;
                }
                deltas.push(d as u8);
            }
        }
        (index, starts, deltas)
    }

    fn source(index: &[u32], starts: &[u16], deltas: &[u8]) -> String {
        // Items a line, indented, so that a new Unicode version reads as a diff.
        let lines = |items: Vec<String>, per_line: usize| {
            items.chunks(per_line).map(|line| format!("    {},\n", line.join(", "))).collect::<String>()
        };
        format!(
            "// Written by `LEADSCORE_WRITE_TABLES=1 cargo test -p leadscore-rules alphanumeric` from\n\
             // std's `char::is_alphanumeric` at Unicode {}.{}.{} (alphanumeric.rs says how it is read).\n\
             // Do not edit.\n\
             static BOUNDARY_INDEX: [u32; {}] = [\n{}];\n\
             static DELTA_STARTS: [u16; {}] = [\n{}];\n\
             static DELTAS: [u8; {}] = [\n{}];\n",
            char::UNICODE_VERSION.0,
            char::UNICODE_VERSION.1,
            char::UNICODE_VERSION.2,
            index.len(),
            lines(index.iter().map(|b| format!("{b:#07x}")).collect(), 10),
            starts.len(),
            lines(starts.iter().map(u16::to_string).collect(), 16),
            deltas.len(),
            lines(deltas.iter().map(u8::to_string).collect(), 24),
        )
    }

    /// The table is std's while std is at the same Unicode version. When it has moved
    /// on, `LEADSCORE_WRITE_TABLES=1` writes it out anew (and then [`UNICODE_VERSION`]
    /// and the docs must follow: word boundaries change for some text).
    #[test]
    fn table_is_stds() {
        let (index, starts, deltas) = table_from_std();
        if std::env::var_os("LEADSCORE_WRITE_TABLES").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/alphanumeric_tables.rs");
            std::fs::write(path, source(&index, &starts, &deltas)).unwrap();
            return;
        }
        if char::UNICODE_VERSION != UNICODE_VERSION {
            eprintln!(
                "std has Unicode {:?}, the alphanumeric table {UNICODE_VERSION:?}: not compared",
                char::UNICODE_VERSION
            );
            return;
        }
        assert_eq!(index.as_slice(), BOUNDARY_INDEX.as_slice(), "BOUNDARY_INDEX is not std's: write it again");
        assert_eq!(starts.as_slice(), DELTA_STARTS.as_slice(), "DELTA_STARTS is not std's: write it again");
        assert_eq!(deltas.as_slice(), DELTAS.as_slice(), "DELTAS is not std's: write it again");
    }

    /// Every character is alphanumeric exactly when std says so.
    #[test]
    fn every_character_is_alphanumeric_as_std_says() {
        if char::UNICODE_VERSION != UNICODE_VERSION {
            eprintln!(
                "std has Unicode {:?}, the alphanumeric table {UNICODE_VERSION:?}: not compared",
                char::UNICODE_VERSION
            );
            return;
        }
        let mut alphanumeric = 0;
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "U+{:04X}", u32::from(c));
            alphanumeric += usize::from(is_alphanumeric(c));
        }
        assert!(alphanumeric > 100_000, "only {alphanumeric} alphanumeric characters");
    }

    /// What does not depend on std's version.
    #[test]
    fn known_characters() {
        for c in
            ['a', 'Z', '0', '9', 'é', 'ß', 'Ж', 'ω', '中', 'ア', '한', '٣', '½', 'Ⅻ', '²', '\u{10000}', '\u{20000}']
        {
            assert!(is_alphanumeric(c), "{c:?} U+{:04X}", u32::from(c));
        }
        for c in
            [' ', '_', '-', '.', '@', '\u{a0}', '\u{2014}', '€', '😀', '\u{301}', '\u{ffff}', '\u{e0001}', '\u{10ffff}']
        {
            assert!(!is_alphanumeric(c), "{c:?} U+{:04X}", u32::from(c));
        }
    }
}
