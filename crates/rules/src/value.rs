//! Reading lead profiles and event properties: dotted field paths and case folding.

use crate::search::{Automaton, Needle};
use serde_json::Value;
use std::borrow::Cow;

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `v` as compact JSON text, for a message: what `{v}` writes. (`Display` for a
/// JSON value would also bring serde_json's pretty printer into the module, for
/// `{v:#}`, which no message uses.)
pub fn json_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Top-level fields of a record: a lead's profile or an event's properties.
pub trait Fields {
    fn field(&self, key: &str) -> Option<&Value>;
}

impl Fields for serde_json::Map<String, Value> {
    #[inline]
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

/// A dotted field path, split once when the rule set is compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath(Box<[Box<str>]>);

impl FieldPath {
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        if text.is_empty() {
            return Err("the field name is empty".into());
        }
        let parts: Vec<Box<str>> = text.split('.').map(Box::from).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(format!("\"{text}\" is not a field path: write names joined by dots, like \"company.size\""));
        }
        Ok(FieldPath(parts.into_boxed_slice()))
    }

    /// The value at this path, or `None` when any step is missing or null.
    pub fn lookup<'v, F: Fields + ?Sized>(&self, root: &'v F) -> Option<&'v Value> {
        let (first, rest) = self.0.split_first()?;
        let mut v = root.field(first)?;
        for key in rest {
            v = v.as_object()?.get(&**key)?;
        }
        if v.is_null() {
            None
        } else {
            Some(v)
        }
    }

    /// The path as written: its names joined by dots.
    pub fn text(&self) -> String {
        self.0.join(".")
    }

    #[inline]
    pub fn first(&self) -> &str {
        self.0.first().map(|s| &**s).unwrap_or("")
    }
}

/// Case folding for text comparisons: Unicode 17.0.0 lowercase (`str::to_lowercase`
/// of that version, from leadscore's own tables: see [`crate::lowercase`]), so every
/// build folds alike. Text that is already folded is borrowed, not copied.
#[inline]
pub fn fold(s: &str) -> Cow<'_, str> {
    if !s.is_ascii() {
        // Rare in scoring, so built for size with the tables (not #[inline]).
        Cow::Owned(crate::lowercase::to_lowercase(s))
    } else if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Where `needle` first occurs in `haystack`, compared byte by byte, as the ASCII
/// tests compare. In UTF-8 a match always starts at a character boundary, so this
/// is what `str::find` gives, in time linear in the haystack (a Knuth-Morris-Pratt
/// automaton, [`crate::search`]). `str`'s searcher would bring core's panic message
/// for slicing text (and the Unicode tables it prints characters with) into the
/// WebAssembly module, for text that is seldom other than ASCII: without it and the
/// other slicing that could panic (see `lowercase.rs`, `time.rs`), 5 KB gzip less.
pub fn find_text(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    Automaton::new(needle.as_bytes()).find(haystack.bytes(), &mut 0)
}

/// Whether `needle` (already folded) occurs in `haystack` (already folded) as a whole
/// word: bounded on both sides by the text's ends or by characters that are not
/// letters or digits (Unicode 17.0.0's, from [`crate::alphanumeric`], whatever the
/// Unicode version of the Rust that built this). Every occurrence is tried, in time
/// linear in the haystack.
#[inline]
pub fn contains_word(haystack: &str, needle: &Needle) -> bool {
    use crate::alphanumeric::is_alphanumeric;
    needle.occurs_where(haystack.as_bytes(), &mut 0, |start, end| {
        let before_ok = haystack.get(..start).and_then(|h| h.chars().next_back()).is_none_or(|c| !is_alphanumeric(c));
        let after_ok = haystack.get(end..).and_then(|h| h.chars().next()).is_none_or(|c| !is_alphanumeric(c));
        before_ok && after_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert!(contains_word("vp sales", "vp"));
        assert!(contains_word("senior vp, sales", "vp"));
        assert!(!contains_word("mvp engineer", "vp"));
        assert!(contains_word("mvp vp", "vp"));
        assert!(!contains_word("vps", "vp"));
        assert!(contains_word("head of ops", "head of"));
        assert!(!contains_word("anything", ""));
    }

    #[test]
    fn finding_text_agrees_with_str_find() {
        let texts = ["", "a", "aaab", "directrice générale", "größe über größe", "σας ΣΑΣ", "日本語のテキスト日本"];
        for h in texts {
            // Every piece of every text as a needle (from each character boundary to
            // each later one), and the other texts.
            let bounds: Vec<usize> = h.char_indices().map(|(i, _)| i).chain([h.len()]).collect();
            let pieces = bounds.iter().flat_map(|&a| bounds.iter().filter(move |&&b| b >= a).map(move |&b| &h[a..b]));
            for n in pieces.chain(texts).chain(["aab", "é", "ß", "xyz"]) {
                assert_eq!(find_text(h, n), h.find(n), "{n:?} in {h:?}");
            }
        }
    }

    #[test]
    fn words_beyond_ascii() {
        assert!(contains_word("directrice générale", "générale"));
        assert!(!contains_word("directrice générales", "générale"));
        assert!(contains_word("größe über größe", "über"));
        assert!(!contains_word("überall", "über"));
        // The second occurrence is the whole word.
        assert!(contains_word("éténé été", "été"));
        // Letters and digits of any script join a word; marks, symbols and
        // punctuation do not.
        assert!(!contains_word("vpж", "vp"));
        assert!(!contains_word("中vp", "vp"));
        assert!(!contains_word("vp²", "vp"));
        assert!(contains_word("vp—é", "vp"));
        assert!(contains_word("é vp€", "vp"));
        assert!(contains_word("é\u{a0}vp", "vp"));
    }

    /// Whether `needle` (folded) is a word of `haystack` (folded).
    fn contains_word(haystack: &str, needle: &str) -> bool {
        super::contains_word(haystack, &Needle::new(needle))
    }

    /// `like` of `pattern` (folded) against `text` (folded).
    fn wildcard_match(pattern: &[char], text: &str) -> bool {
        let pattern: String = pattern.iter().collect();
        crate::wildcard::Wildcard::new(&pattern).matches(&text.chars().collect::<Vec<_>>())
    }

    #[test]
    fn wildcards() {
        let p = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(wildcard_match(&p("/docs/*"), "/docs/api"));
        assert!(wildcard_match(&p("/docs/*"), "/docs/"));
        assert!(!wildcard_match(&p("/docs/*"), "/doc"));
        assert!(wildcard_match(&p("*@gmail.*"), "ann@gmail.com"));
        assert!(wildcard_match(&p("v?"), "vp"));
        assert!(!wildcard_match(&p("v?"), "v"));
        assert!(wildcard_match(&p("*a*b*c*"), "xxaxxbxxcxx"));
        assert!(!wildcard_match(&p("*a*b*c"), "xxaxxbxxcxxd"));
        assert!(wildcard_match(&p("é*"), "été"));
    }

    #[test]
    fn folding() {
        assert!(matches!(fold("already lower"), Cow::Borrowed(_)));
        assert_eq!(fold("VP Sales"), "vp sales");
        assert_eq!(fold("ÉTÉ"), "été");
    }
}
