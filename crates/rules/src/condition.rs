//! Conditions over a lead's profile or an event's properties: how they are read from
//! rule-set JSON (collecting every problem with its path) and how they are tested.

use crate::error::{index, join, Problem};
use crate::order::{name_order, sorted_positions};
use crate::search::Needle;
use crate::value::{contains_word, fold, json_text, type_name, FieldPath, Fields};
use crate::wildcard::Wildcard;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// Deepest nesting of all / any / not a rule set may use.
pub const MAX_CONDITION_DEPTH: usize = 16;
/// Most entries in one list inside a condition (`in`, `contains`, `all`, …).
pub const MAX_LIST_LEN: usize = 10_000;
/// Longest text a rule set may hold in one place.
pub const MAX_RULE_TEXT_LEN: usize = 1_024;

/// Keys that stand beside a condition's operator and change how it reads: `escape`
/// (of `like`) and `read` (of the numeric operators).
pub const MODIFIERS: &[&str] = &["escape", "read"];

/// The operators that compare numbers, which `"read": "number"` may stand beside.
const NUMERIC: &[&str] = &["gt", "gte", "lt", "lte", "between"];

/// Most digits a text read as a number may have (`"read": "number"`): so that its
/// digits are a whole number below 2^53 and their value, that number divided by a
/// power of ten, is one division of two exact doubles: the double nearest the
/// decimal, as `JSON.parse` and serde_json read the same digits.
pub const MAX_NUMBER_DIGITS: usize = 15;

/// 10^0 … 10^15, each exact as a double.
const POWERS_OF_TEN: [f64; MAX_NUMBER_DIGITS + 1] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// The keys that combine conditions.
const COMBINATORS: [&str; 3] = ["all", "any", "not"];

pub const OPERATORS: &[&str] = &[
    "equals",
    "in",
    "notIn",
    "contains",
    "startsWith",
    "endsWith",
    "word",
    "like",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "exists",
    "equalsField",
    "sameDomainAs",
    "withinLast",
    "withinNext",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Leaf { field: FieldPath, test: Test },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// Case-folded text.
    Text(Box<str>),
    Number(f64),
    Bool(bool),
}

/// The values of an `in` or `notIn` list. A long list also holds its values sorted,
/// so that testing a value against thousands of accounts or domains is a binary
/// search rather than a comparison with each. (Not a hash set: std's hasher has
/// fixed keys on wasm32, so a rule-set author could choose items that collide.)
#[derive(Debug, Clone, PartialEq)]
pub struct ScalarList {
    items: Vec<Scalar>,
    sorted: Option<SortedScalars>,
}

/// A long list's values by kind, texts in byte order and numbers in numeric order.
#[derive(Debug, Clone, PartialEq)]
struct SortedScalars {
    /// The texts, in byte order.
    texts: Box<[Box<str>]>,
    /// The [`prefix_key`] of each text, in the same order (which is the order of
    /// the keys, ties apart): a comparison is mostly one of two numbers in one
    /// array, not of text elsewhere in memory.
    keys: Box<[u128]>,
    /// -0 held as 0, so that the two are equal, as `equals` has them.
    numbers: Box<[f64]>,
    has_false: bool,
    has_true: bool,
}

/// Lists longer than this also hold their values sorted.
const SORTED_LIST_LEN: usize = 16;
/// ASCII text up to this long is lowercased on the stack to be looked up in a long list.
const SHORT_TEXT: usize = 64;

impl ScalarList {
    pub fn new(items: Vec<Scalar>) -> ScalarList {
        let sorted = (items.len() > SORTED_LIST_LEN).then(|| {
            let texts: Vec<&str> = items
                .iter()
                .filter_map(|s| match s {
                    Scalar::Text(t) => Some(&**t),
                    _ => None,
                })
                .collect();
            let numbers: Vec<f64> = items
                .iter()
                .filter_map(|s| match s {
                    Scalar::Number(n) => Some(n + 0.0),
                    _ => None,
                })
                .collect();
            let mut sorted_texts: Vec<Box<str>> = Vec::with_capacity(texts.len());
            for t in name_order(&texts).into_iter().filter_map(|i| texts.get(i)) {
                if sorted_texts.last().is_none_or(|last| **last != **t) {
                    sorted_texts.push((*t).into());
                }
            }
            let keys = sorted_texts.iter().map(|t| prefix_key(t.as_bytes())).collect();
            let by_value = |a: usize, b: usize| match (numbers.get(a), numbers.get(b)) {
                (Some(x), Some(y)) => x.total_cmp(y),
                _ => std::cmp::Ordering::Equal,
            };
            let mut sorted_numbers: Vec<f64> = Vec::with_capacity(numbers.len());
            for &n in sorted_positions(numbers.len(), &by_value).into_iter().filter_map(|i| numbers.get(i)) {
                if sorted_numbers.last() != Some(&n) {
                    sorted_numbers.push(n);
                }
            }
            SortedScalars {
                texts: sorted_texts.into(),
                keys,
                numbers: sorted_numbers.into(),
                has_false: items.contains(&Scalar::Bool(false)),
                has_true: items.contains(&Scalar::Bool(true)),
            }
        });
        ScalarList { items, sorted }
    }

    /// The values as written, repeats included (the compiled form keeps these, and
    /// the sorted ones are made again when it is loaded).
    pub fn items(&self) -> &[Scalar] {
        &self.items
    }

    /// How many values the list holds (as written, repeats included).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the list is long enough to be searched sorted.
    pub fn is_sorted(&self) -> bool {
        self.sorted.is_some()
    }

    /// Whether `v` equals one of the values (text compared folded, as `equals` does).
    #[inline]
    fn contains(&self, v: &Value) -> bool {
        self.lookup(v, &mut 0)
    }

    /// [`ScalarList::contains`], counting in `compared` the values of a long list
    /// it compares `v` with: at most ⌈log2 n⌉ + 1 of its n values of `v`'s kind.
    #[inline]
    fn lookup(&self, v: &Value, compared: &mut usize) -> bool {
        match (&self.sorted, v) {
            (Some(sorted), v) => sorted.lookup(v, compared),
            // Text is looked at once, not once per item: ASCII compared in place,
            // other text folded once.
            (None, Value::String(x)) if x.is_ascii() => self.items.iter().any(|s| match s {
                Scalar::Text(t) => t.len() == x.len() && t.as_bytes().eq_ignore_ascii_case(x.as_bytes()),
                _ => false,
            }),
            (None, Value::String(x)) => self.contains_folded(x),
            (None, _) => self.items.iter().any(|s| scalar_eq(s, v)),
        }
    }

    /// [`ScalarList::contains`] for text that is not ASCII: rare, so built for size
    /// with the rest of this crate (not `#[inline]`).
    fn contains_folded(&self, x: &str) -> bool {
        let x = fold(x);
        self.items.iter().any(|s| matches!(s, Scalar::Text(t) if **t == *x))
    }
}

impl SortedScalars {
    #[inline]
    fn lookup(&self, v: &Value, compared: &mut usize) -> bool {
        match v {
            // Short ASCII text lowercased on the stack, then compared bytewise.
            Value::String(x) if x.is_ascii() && x.len() <= SHORT_TEXT => {
                let mut buf = [0u8; SHORT_TEXT];
                let Some(lower) = buf.get_mut(..x.len()) else { return false };
                lower.copy_from_slice(x.as_bytes());
                lower.make_ascii_lowercase();
                self.search_text(compared, lower)
            }
            Value::String(x) => self.lookup_folded(x, compared),
            Value::Number(n) => {
                n.as_f64().is_some_and(|n| search(&self.numbers, compared, |m| m.total_cmp(&(n + 0.0))))
            }
            Value::Bool(b) => {
                if *b {
                    self.has_true
                } else {
                    self.has_false
                }
            }
            _ => false,
        }
    }

    /// [`SortedScalars::lookup`] for other text: folded first, and built for size
    /// (not `#[inline]`).
    fn lookup_folded(&self, x: &str, compared: &mut usize) -> bool {
        self.search_text(compared, fold(x).as_bytes())
    }

    /// Whether the list holds `text` (folded), by binary search over the keys and,
    /// where they tie, the texts, counting the comparisons in `compared`.
    #[inline]
    fn search_text(&self, compared: &mut usize, text: &[u8]) -> bool {
        let key = prefix_key(text);
        let (mut low, mut high) = (0, self.keys.len());
        while low < high {
            let mid = low + (high - low) / 2;
            *compared += 1;
            let Some(k) = self.keys.get(mid) else { return false };
            let order =
                k.cmp(&key).then_with(|| self.texts.get(mid).map_or(Ordering::Less, |t| t.as_bytes().cmp(text)));
            match order {
                Ordering::Less => low = mid + 1,
                Ordering::Greater => high = mid,
                Ordering::Equal => return true,
            }
        }
        false
    }
}

/// The first 16 bytes of `text` as a big-endian number, zeros after a shorter
/// text: if one text comes before another in byte order, its key is no greater.
#[inline]
fn prefix_key(text: &[u8]) -> u128 {
    let mut key = [0u8; 16];
    key.iter_mut().zip(text).for_each(|(k, b)| *k = *b);
    u128::from_be_bytes(key)
}

/// Whether `sorted` holds an item for which `cmp` is `Equal`, by binary search,
/// counting the comparisons in `compared`.
#[inline]
fn search<T>(sorted: &[T], compared: &mut usize, cmp: impl Fn(&T) -> std::cmp::Ordering) -> bool {
    sorted
        .binary_search_by(|item| {
            *compared += 1;
            cmp(item)
        })
        .is_ok()
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Equals(Scalar),
    In(ScalarList),
    NotIn(ScalarList),
    Contains(Vec<Needle>),
    StartsWith(Vec<Box<str>>),
    EndsWith(Vec<Box<str>>),
    Word(Vec<Needle>),
    Like(Vec<Wildcard>),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    Between(f64, f64),
    Exists(bool),
    /// A numeric test (`gt` … `between`) that also reads a text which is a number
    /// as that number (`"read": "number"`).
    NumberFromText(Box<Test>),
    /// The field equals another of the same record (`equalsField`).
    EqualsField(FieldPath),
    /// The field's domain is that of another of the same record (`sameDomainAs`).
    SameDomainAs(FieldPath),
    /// The field is an instant at most this many ms before `now`, and not after it
    /// (`withinLast`).
    WithinLast(i64),
    /// The field is an instant at most this many ms after `now`, and not before it
    /// (`withinNext`).
    WithinNext(i64),
}

impl Condition {
    /// Whether the condition holds for `data`, for a condition that does not depend
    /// on `now` (see [`Condition::depends_on_now`]): an event's `where` never does.
    /// A test of a date relative to `now` does not hold here.
    #[inline]
    pub fn matches<F: Fields + ?Sized>(&self, data: &F) -> bool {
        self.matches_at(data, None)
    }

    /// Whether the condition holds for `data` at `now` (`None`: no `now`, so
    /// relative dates do not hold).
    #[inline]
    pub fn matches_at<F: Fields + ?Sized>(&self, data: &F, now: Option<i64>) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.matches_at(data, now)),
            Condition::Any(cs) => cs.iter().any(|c| c.matches_at(data, now)),
            Condition::Not(c) => !c.matches_at(data, now),
            Condition::Leaf { field, test } => {
                crate::meter::charge(1);
                match test {
                    Test::EqualsField(other) | Test::SameDomainAs(other) => {
                        test.holds_for_pair(field.lookup(data), other.lookup(data))
                    }
                    Test::WithinLast(_) | Test::WithinNext(_) => test.holds_relative(field.lookup(data), now),
                    _ => test.holds(field.lookup(data)),
                }
            }
        }
    }

    /// Whether what the condition says of a record can change with `now` alone (it
    /// tests a date relative to `now`): a session tests such a condition again at
    /// each `now`, and a cache of what a record matches must not keep its answer.
    pub fn depends_on_now(&self) -> bool {
        self.any_test(&|t| matches!(t, Test::WithinLast(_) | Test::WithinNext(_)))
    }

    /// The path of each test of a date relative to `now` in the condition at `path`.
    pub fn relative_tests(&self, path: &str, out: &mut Vec<String>) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                let key = join(path, if matches!(self, Condition::All(_)) { "all" } else { "any" });
                cs.iter().enumerate().for_each(|(i, c)| c.relative_tests(&index(&key, i), out));
            }
            Condition::Not(c) => c.relative_tests(&join(path, "not"), out),
            Condition::Leaf { test: Test::WithinLast(_), .. } => out.push(join(path, "withinLast")),
            Condition::Leaf { test: Test::WithinNext(_), .. } => out.push(join(path, "withinNext")),
            Condition::Leaf { .. } => {}
        }
    }

    /// Calls `f` with every field path the condition reads, whole.
    pub fn for_each_path<'c>(&'c self, f: &mut impl FnMut(&'c FieldPath)) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.for_each_path(f)),
            Condition::Not(c) => c.for_each_path(f),
            Condition::Leaf { field, test } => {
                f(field);
                if let Some(other) = test.other_field() {
                    f(other);
                }
            }
        }
    }

    /// Whether `f` says so of one of the condition's tests.
    pub fn any_test(&self, f: &dyn Fn(&Test) -> bool) -> bool {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().any(|c| c.any_test(f)),
            Condition::Not(c) => c.any_test(f),
            Condition::Leaf { test, .. } => f(test),
        }
    }

    /// Calls `f` with the first step of every field path the condition reads.
    pub fn for_each_field<'c>(&'c self, f: &mut impl FnMut(&'c str)) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.for_each_field(f)),
            Condition::Not(c) => c.for_each_field(f),
            Condition::Leaf { field, test } => {
                f(field.first());
                if let Some(other) = test.other_field() {
                    f(other.first());
                }
            }
        }
    }
}

impl Test {
    /// The other field a comparison of two fields reads.
    pub fn other_field(&self) -> Option<&FieldPath> {
        match self {
            Test::EqualsField(other) | Test::SameDomainAs(other) => Some(other),
            _ => None,
        }
    }

    /// `equalsField` and `sameDomainAs` of the values of their two fields: both
    /// present and single (a list or an object is never equal to anything here).
    fn holds_for_pair(&self, a: Option<&Value>, b: Option<&Value>) -> bool {
        let (Some(a), Some(b)) = (a, b) else { return false };
        let text_len = |v: &Value| v.as_str().map_or(0, str::len);
        let passes =
            u64::try_from(text_len(a).max(text_len(b))).unwrap_or(u64::MAX) / crate::cost::COMPARED_PER_STEP + 1;
        crate::meter::charge(self.weight().saturating_mul(passes));
        match (self, a, b) {
            (Test::SameDomainAs(_), Value::String(a), Value::String(b)) => {
                domain(a).is_some_and(|d| domain(b).is_some_and(|e| d == e))
            }
            (Test::EqualsField(_), Value::String(a), Value::String(b)) => text_eq(&fold(a), b),
            (Test::EqualsField(_), Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (Test::EqualsField(_), Value::Bool(a), Value::Bool(b)) => a == b,
            _ => false,
        }
    }

    /// `withinLast` and `withinNext` of the field's value at `now`: an instant as
    /// events' times are read (milliseconds or RFC 3339 text), or a list with one.
    fn holds_relative(&self, value: Option<&Value>, now: Option<i64>) -> bool {
        let (Some(now), Some(value)) = (now, value) else { return false };
        let holds = |v: &Value| match (self, crate::time::instant_from_json(v)) {
            (Test::WithinLast(d), Ok(t)) => t <= now && now - t <= *d,
            (Test::WithinNext(d), Ok(t)) => t >= now && t - now <= *d,
            _ => false,
        };
        match value {
            Value::Array(items) => items.iter().any(holds),
            v => holds(v),
        }
    }

    #[inline]
    fn holds(&self, value: Option<&Value>) -> bool {
        match (self, value.filter(|v| !is_blank_list(v))) {
            (Test::Exists(want), v) => v.is_some() == *want,
            // Every other test is false on a missing field, `notIn` included: an
            // unknown industry is not "an industry we do not serve".
            (_, None) => false,
            (Test::NotIn(list), Some(Value::Array(items))) => !items.iter().any(|x| list.contains(x)),
            (_, Some(Value::Array(items))) => items.iter().any(|x| self.holds_scalar(x)),
            (_, Some(v)) => self.holds_scalar(v),
        }
    }

    #[inline]
    fn holds_scalar(&self, v: &Value) -> bool {
        match self {
            Test::Equals(s) => scalar_eq(s, v),
            Test::In(list) => list.contains(v),
            Test::NotIn(list) => !list.contains(v),
            Test::Contains(_) | Test::StartsWith(_) | Test::EndsWith(_) | Test::Word(_) | Test::Like(_) => match v {
                Value::String(s) => self.holds_text(s),
                _ => false,
            },
            Test::Gt(x) => num(v, |n| n > *x),
            Test::Gte(x) => num(v, |n| n >= *x),
            Test::Lt(x) => num(v, |n| n < *x),
            Test::Lte(x) => num(v, |n| n <= *x),
            Test::Between(lo, hi) => num(v, |n| n >= *lo && n <= *hi),
            Test::Exists(want) => *want,
            Test::EqualsField(_) | Test::SameDomainAs(_) | Test::WithinLast(_) | Test::WithinNext(_) => false,
            Test::NumberFromText(test) => match v {
                Value::String(s) => number_in_text(s).is_some_and(|n| test.holds_scalar(&Value::from(n))),
                v => test.holds_scalar(v),
            },
        }
    }

    /// Text tests against needles folded at compile time. ASCII text is compared
    /// case-insensitively in place; other text is folded first. Both give what
    /// comparing the Unicode-lowercased text would.
    #[inline]
    fn holds_text(&self, s: &str) -> bool {
        // A pass over the text per unit of weight, reading COMPARED_PER_STEP bytes a step.
        let passes = u64::try_from(s.len()).unwrap_or(u64::MAX) / crate::cost::COMPARED_PER_STEP + 1;
        crate::meter::charge(self.weight().saturating_mul(passes));
        if s.is_ascii() {
            let h = s.as_bytes();
            match self {
                Test::Contains(ns) => ns.iter().any(|n| n.find(h, &mut 0).is_some()),
                Test::StartsWith(ns) => ns.iter().any(|n| ascii::starts_with(h, n.as_bytes())),
                Test::EndsWith(ns) => ns.iter().any(|n| ascii::ends_with(h, n.as_bytes())),
                Test::Word(ns) => ns.iter().any(|n| ascii::contains_word(h, n)),
                Test::Like(ps) => ps.iter().any(|p| p.matches(h)),
                _ => false,
            }
        } else {
            let t = fold(s);
            match self {
                Test::Contains(ns) => ns.iter().any(|n| n.find(t.as_bytes(), &mut 0).is_some()),
                Test::StartsWith(ns) => ns.iter().any(|n| t.starts_with(&**n)),
                Test::EndsWith(ns) => ns.iter().any(|n| t.ends_with(&**n)),
                Test::Word(ns) => ns.iter().any(|n| contains_word(&t, n)),
                Test::Like(ps) => like_folded(ps, &t),
                _ => false,
            }
        }
    }
}

/// Case-insensitive tests of ASCII text against already-folded needles, without
/// copying the text. A needle with non-ASCII characters never matches ASCII text,
/// just as with full folding.
mod ascii {
    use crate::search::Needle;

    #[inline]
    pub fn starts_with(h: &[u8], n: &[u8]) -> bool {
        h.get(..n.len()).is_some_and(|p| p.eq_ignore_ascii_case(n))
    }

    #[inline]
    pub fn ends_with(h: &[u8], n: &[u8]) -> bool {
        h.len().checked_sub(n.len()).and_then(|at| h.get(at..)).is_some_and(|p| p.eq_ignore_ascii_case(n))
    }

    /// Whether `n` occurs in `h` bounded on both sides by the text's ends or by
    /// characters that are not letters or digits.
    #[inline]
    pub fn contains_word(h: &[u8], n: &Needle) -> bool {
        n.occurs_where(h, &mut 0, |start, end| {
            let before = start.checked_sub(1).and_then(|b| h.get(b)).is_none_or(|c| !c.is_ascii_alphanumeric());
            let after = h.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
            before && after
        })
    }
}

/// Whether one of `patterns` matches `folded` (text beyond ASCII, folded): rare, so
/// built for size (not `#[inline]`).
fn like_folded(patterns: &[Wildcard], folded: &str) -> bool {
    let chars: Vec<char> = folded.chars().collect();
    patterns.iter().any(|p| p.matches(&chars))
}

/// The domain of an email address, a URL or a bare host name, as `sameDomainAs`
/// compares them (docs/RULESET.md, section 3): the host after a URL's `://` (its
/// user and port dropped), or what follows an email's last `@`, or the text; up to
/// the first `/`, `?` or `#`; without a port (`:` and digits at the end) or one
/// trailing `.`; case-folded; without a leading `www.`. `None` when that is empty.
///
/// Worked on bytes, every boundary an ASCII character: no `str` searcher or slicing
/// that could panic, whose messages would weigh kilobytes in the page module.
pub fn domain(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let cut = |from: usize| {
        b.get(from..).and_then(|rest| rest.iter().position(|c| b"/?#".contains(c))).map_or(b.len(), |n| from + n)
    };
    // Cut at the path first, with a scheme or without (a website field is mostly
    // written without one), then drop a URL's user or an email's local part.
    let base = b.windows(3).position(|w| w == b"://").map_or(0, |at| at + 3);
    let end = cut(base);
    let user = b.get(base..end).and_then(|a| a.iter().rposition(|&c| c == b'@'));
    let start = user.map_or(base, |u| base + u + 1);
    let mut host = b.get(start..end)?;
    if let Some(colon) = host.iter().rposition(|&c| c == b':') {
        if host.get(colon + 1..).is_some_and(|port| port.iter().all(u8::is_ascii_digit)) {
            host = host.get(..colon)?;
        }
    }
    if let [name @ .., b'.'] = host {
        host = name;
    }
    let folded = fold(std::str::from_utf8(host).ok()?);
    let bare = folded.strip_prefix("www.").unwrap_or(&folded);
    (!bare.is_empty()).then(|| bare.to_string())
}

/// The number a text holds, read strictly: an optional `-`, then `0` or digits not
/// starting with `0`, then optionally `.` and at least one digit; at most
/// [`MAX_NUMBER_DIGITS`] digits in all. Nothing else: no spaces, `+`, exponent,
/// thousands separator, `NaN` or `Infinity`. The value is what `JSON.parse` gives.
pub fn number_in_text(s: &str) -> Option<f64> {
    // Longer ones are not read through: a profile's text may be long.
    if s.len() > MAX_NUMBER_DIGITS + 2 {
        return None;
    }
    // On bytes: no `str` searcher in the page module for this.
    let bytes = s.as_bytes();
    let (negative, unsigned) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    let point = unsigned.iter().position(|&b| b == b'.');
    let whole = unsigned.get(..point.unwrap_or(unsigned.len()))?;
    let fraction = point.and_then(|p| unsigned.get(p + 1..)).unwrap_or(&[]);
    let digits = |t: &[u8]| t.iter().all(u8::is_ascii_digit);
    let well_formed = !whole.is_empty()
        && digits(whole)
        && digits(fraction)
        && (whole == b"0" || whole.first() != Some(&b'0'))
        && (point.is_none() || !fraction.is_empty())
        && whole.len() + fraction.len() <= MAX_NUMBER_DIGITS;
    if !well_formed {
        return None;
    }
    let mantissa = whole.iter().chain(fraction).fold(0u64, |m, b| m * 10 + u64::from(b - b'0'));
    // Both exact (below 2^53, and a power of ten up to 10^15), so the one division
    // rounds once: to the double nearest the decimal.
    let value = mantissa as f64 / POWERS_OF_TEN.get(fraction.len())?;
    Some(if negative { -value } else { value })
}

/// A list with no element other than `null` (an empty list included): what a CRM
/// sends for a multi-select field with nothing selected. Conditions treat it as a
/// missing field, so `exists` and `notIn` read it as "not filled in", as they read
/// `null`.
#[inline]
fn is_blank_list(v: &Value) -> bool {
    matches!(v, Value::Array(items) if items.iter().all(Value::is_null))
}

#[inline]
fn num(v: &Value, f: impl FnOnce(f64) -> bool) -> bool {
    v.as_f64().is_some_and(f)
}

#[inline]
fn scalar_eq(s: &Scalar, v: &Value) -> bool {
    match (s, v) {
        (Scalar::Text(t), Value::String(x)) => text_eq(t, x),
        (Scalar::Number(n), Value::Number(x)) => x.as_f64() == Some(*n),
        (Scalar::Bool(b), Value::Bool(x)) => b == x,
        _ => false,
    }
}

/// `folded` (already folded) equals `x` folded.
#[inline]
fn text_eq(folded: &str, x: &str) -> bool {
    if x.is_ascii() {
        folded.len() == x.len() && folded.as_bytes().eq_ignore_ascii_case(x.as_bytes())
    } else {
        *folded == *fold(x)
    }
}

/// Reads a condition from rule-set JSON. Every problem found is pushed onto `problems`;
/// `None` comes back when there was at least one.
pub fn compile(v: &Value, path: &str, problems: &mut Vec<Problem>) -> Option<Condition> {
    compile_at(v, path, 0, problems)
}

fn compile_at(v: &Value, path: &str, depth: usize, problems: &mut Vec<Problem>) -> Option<Condition> {
    if depth > MAX_CONDITION_DEPTH {
        problems.push(Problem::new(
            path,
            "tooDeep",
            format!("conditions nest deeper than {MAX_CONDITION_DEPTH} levels of all / any / not"),
        ));
        return None;
    }
    let Some(obj) = v.as_object() else {
        problems.push(Problem::new(
            path,
            "wrongType",
            format!(
                "a condition must be an object such as {{\"field\": \"industry\", \"in\": [\"software\"]}} or {{\"all\": [...]}}, not {}",
                type_name(v)
            ),
        ));
        return None;
    };
    for combinator in COMBINATORS {
        if let Some(inner) = obj.get(combinator) {
            if let Some(extra) = obj.keys().find(|k| k.as_str() != combinator) {
                problems.push(Problem::new(
                    join(path, extra),
                    "unexpectedKey",
                    format!(
                        "\"{combinator}\" stands alone in its object; move \"{extra}\" into a condition of its own"
                    ),
                ));
                return None;
            }
            return compile_combinator(combinator, inner, &join(path, combinator), depth, problems);
        }
    }
    // A lone key near a combinator in spelling ("alll", "nto") is that combinator
    // mistyped: one problem, and what it holds is checked as the combinator's.
    if let Some((typed, inner)) = obj.iter().next().filter(|_| obj.len() == 1) {
        let known = typed == "field" || OPERATORS.contains(&typed.as_str());
        if let Some(combinator) = crate::suggest::nearest(typed, COMBINATORS).filter(|_| !known) {
            problems.push(Problem::new(
                join(path, typed),
                "unknownKey",
                format!("a condition has no key \"{typed}\": did you mean \"{combinator}\"?"),
            ));
            compile_combinator(combinator, inner, &join(path, typed), depth, problems);
            return None;
        }
    }
    compile_leaf(obj, path, problems)
}

/// The condition `{combinator: inner}` (`all`, `any` or `not`), whose `inner` is at `here`.
fn compile_combinator(
    combinator: &str,
    inner: &Value,
    here: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Option<Condition> {
    if combinator == "not" {
        return compile_at(inner, here, depth + 1, problems).map(|c| Condition::Not(Box::new(c)));
    }
    let Some(items) = inner.as_array() else {
        problems.push(Problem::new(
            here,
            "wrongType",
            format!("\"{combinator}\" takes a list of conditions, not {}", type_name(inner)),
        ));
        return None;
    };
    if items.is_empty() {
        problems.push(Problem::new(here, "emptyList", format!("\"{combinator}\" needs at least one condition")));
        return None;
    }
    if items.len() > MAX_LIST_LEN {
        problems.push(Problem::new(
            here,
            "tooLong",
            format!("\"{combinator}\" has more than {MAX_LIST_LEN} conditions"),
        ));
        return None;
    }
    let before = problems.len();
    let subs: Vec<Condition> =
        items.iter().enumerate().filter_map(|(i, c)| compile_at(c, &index(here, i), depth + 1, problems)).collect();
    if problems.len() > before {
        return None;
    }
    Some(if combinator == "all" { Condition::All(subs) } else { Condition::Any(subs) })
}

fn compile_leaf(obj: &Map<String, Value>, path: &str, problems: &mut Vec<Problem>) -> Option<Condition> {
    let before = problems.len();
    // Without "field", a key near it in spelling ("feild", "fields") stands in for it:
    // one problem, and its value is read as the field.
    let field_key = match obj.contains_key("field") {
        true => Some("field"),
        false => obj
            .keys()
            .map(String::as_str)
            .find(|k| !OPERATORS.contains(k) && crate::suggest::nearest(k, ["field"]).is_some()),
    };
    if let Some(typed) = field_key.filter(|k| *k != "field") {
        problems.push(Problem::new(
            join(path, typed),
            "unknownKey",
            format!("a condition has no key \"{typed}\": did you mean \"field\"?"),
        ));
    }
    let field_at = join(path, field_key.unwrap_or("field"));
    let field = match field_key.and_then(|k| obj.get(k)) {
        None => {
            problems.push(Problem::new(
                path,
                "missingKey",
                "a condition needs \"field\" and one operator, or one of \"all\", \"any\", \"not\"",
            ));
            None
        }
        Some(Value::String(s)) if s.len() <= MAX_RULE_TEXT_LEN => match FieldPath::parse(s) {
            Ok(f) => Some(f),
            Err(m) => {
                problems.push(Problem::new(field_at.clone(), "invalidField", m));
                None
            }
        },
        Some(Value::String(_)) => {
            problems.push(Problem::new(
                field_at.clone(),
                "tooLong",
                format!("the field name is longer than {MAX_RULE_TEXT_LEN} bytes"),
            ));
            None
        }
        Some(other) => {
            problems.push(Problem::new(
                field_at.clone(),
                "wrongType",
                format!("\"field\" must be a text path like \"company.size\", not {}", type_name(other)),
            ));
            None
        }
    };
    let ops: Vec<(&String, &Value)> =
        obj.iter().filter(|(k, _)| Some(k.as_str()) != field_key && !MODIFIERS.contains(&k.as_str())).collect();
    let (real_ops, odd_keys): (Vec<_>, Vec<_>) = ops.iter().partition(|(k, _)| OPERATORS.contains(&k.as_str()));
    let only_op = match real_ops.as_slice() {
        [(op, _)] => Some(op.as_str()),
        _ => None,
    };
    let escape = obj.get("escape").and_then(|e| escape_char(e, only_op, &join(path, "escape"), problems));
    let from_text = obj.get("read").is_some_and(|r| read_number(r, only_op, &join(path, "read"), problems));
    let test = match ops.as_slice() {
        [] => {
            problems.push(Problem::new(
                path,
                "missingOperator",
                format!("the condition has no operator: add one of {}", OPERATORS.join(", ")),
            ));
            None
        }
        [(op, arg)] => compile_test(op, arg, &join(path, op), escape, problems),
        [_, _, ..] if !odd_keys.is_empty() => {
            // A misspelt operator or modifier beside a real operator: said at the
            // misspelt key, and the real one is still checked.
            for (odd, _) in &odd_keys {
                problems.push(Problem::new(
                    join(path, odd),
                    "unknownOperator",
                    format!("\"{odd}\" is neither an operator nor a key beside one{}", suggest(odd)),
                ));
            }
            if let [(op, arg)] = real_ops.as_slice() {
                compile_test(op, arg, &join(path, op), escape, problems);
            }
            None
        }
        [_, (second, _), ..] => {
            problems.push(Problem::new(
                join(path, second),
                if OPERATORS.contains(&second.as_str()) { "twoOperators" } else { "unknownOperator" },
                format!(
                    "a condition has exactly one operator besides \"field\"; found {}: split it with \"all\"{}",
                    ops.iter().map(|(k, _)| format!("\"{k}\"")).collect::<Vec<_>>().join(", "),
                    match ops.iter().find(|(k, _)| !OPERATORS.contains(&k.as_str())) {
                        Some((odd, _)) => format!("; \"{odd}\" is no operator{}", suggest(odd)),
                        None => String::new(),
                    }
                ),
            ));
            None
        }
    };
    if problems.len() > before {
        return None;
    }
    let test = if from_text { Test::NumberFromText(Box::new(test?)) } else { test? };
    let field = field?;
    if test.other_field() == Some(&field) {
        let op = if matches!(test, Test::EqualsField(_)) { "equalsField" } else { "sameDomainAs" };
        problems.push(Problem::new(
            join(path, op),
            "invalidField",
            format!("\"{op}\" names the condition's own field \"{}\": name another field", field.text()),
        ));
        return None;
    }
    Some(Condition::Leaf { field, test })
}

/// The escape character of a `like` (`"escape": "\\"`), which must be one ASCII
/// punctuation character other than `*` and `?`: case folding leaves it as it is
/// and makes no other character into it.
fn escape_char(v: &Value, op: Option<&str>, path: &str, problems: &mut Vec<Problem>) -> Option<char> {
    let mut fail = |code: &'static str, msg: String| {
        problems.push(Problem::new(path, code, msg));
        None
    };
    if op.is_some_and(|op| op != "like") {
        return fail("unexpectedKey", "\"escape\" goes with \"like\" only: it makes \"*\" or \"?\" literal".into());
    }
    let mut chars = v.as_str().map(str::chars);
    match (chars.as_mut().and_then(Iterator::next), chars.as_mut().and_then(Iterator::next)) {
        (Some(c), None) if c.is_ascii_punctuation() && c != '*' && c != '?' => Some(c),
        _ => fail(
            "invalidEscape",
            format!(
                "\"escape\" is one ASCII punctuation character other than \"*\" and \"?\", like \"\\\\\", not {}",
                json_text(v)
            ),
        ),
    }
}

/// Whether `"read"` asks for a text to be read as a number: it must be `"number"`,
/// beside one of the [`NUMERIC`] operators.
fn read_number(v: &Value, op: Option<&str>, path: &str, problems: &mut Vec<Problem>) -> bool {
    if v.as_str() != Some("number") {
        let m =
            format!("\"read\" takes \"number\" (read a text that is a number as that number), not {}", json_text(v));
        problems.push(Problem::new(path, "invalidValue", m));
        return false;
    }
    if let Some(op) = op.filter(|op| !NUMERIC.contains(op)) {
        let m = format!("\"read\": \"number\" goes with {} only, not \"{op}\"", NUMERIC.join(", "));
        problems.push(Problem::new(path, "unexpectedKey", m));
        return false;
    }
    true
}

fn compile_test(op: &str, arg: &Value, path: &str, escape: Option<char>, problems: &mut Vec<Problem>) -> Option<Test> {
    let mut fail = |code: &'static str, msg: String| {
        problems.push(Problem::new(path, code, msg));
        None
    };
    match op {
        "equals" => match scalar(arg) {
            Ok(s) => Some(Test::Equals(s)),
            Err(m) => fail("wrongType", format!("\"equals\" takes {m}")),
        },
        "in" | "notIn" => {
            let Some(items) = arg.as_array() else {
                return fail(
                    "wrongType",
                    format!("\"{op}\" takes a list of texts, numbers or booleans, not {}", type_name(arg)),
                );
            };
            if items.is_empty() {
                return fail(
                    "emptyList",
                    format!(
                        "\"{op}\" has an empty list, so it would {}",
                        if op == "in" { "never hold" } else { "always hold" }
                    ),
                );
            }
            if items.len() > MAX_LIST_LEN {
                return fail("tooLong", format!("\"{op}\" lists more than {MAX_LIST_LEN} values"));
            }
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match scalar(item) {
                    Ok(s) => list.push(s),
                    Err(m) => return fail("wrongType", format!("item {i} of \"{op}\" should be {m}")),
                }
            }
            let list = ScalarList::new(list);
            Some(if op == "in" { Test::In(list) } else { Test::NotIn(list) })
        }
        "contains" | "startsWith" | "endsWith" | "word" | "like" => {
            let texts = match texts(arg) {
                Ok(t) => t,
                Err(m) => {
                    return fail(
                        if m.starts_with("an empty") { "emptyList" } else { "wrongType" },
                        format!("\"{op}\" takes {m}"),
                    )
                }
            };
            Some(match op {
                "contains" => Test::Contains(texts.iter().map(|t| Needle::new(t)).collect()),
                "startsWith" => Test::StartsWith(texts),
                "endsWith" => Test::EndsWith(texts),
                "word" => Test::Word(texts.iter().map(|t| Needle::new(t)).collect()),
                _ => match escape {
                    None => Test::Like(texts.iter().map(|t| Wildcard::new(t)).collect()),
                    Some(e) => {
                        let mut patterns = Vec::with_capacity(texts.len());
                        for (i, t) in texts.iter().enumerate() {
                            match Wildcard::escaped(t, e) {
                                Ok(w) => patterns.push(w),
                                Err(m) => {
                                    let at = if arg.is_array() { index(path, i) } else { path.to_string() };
                                    problems.push(Problem::new(at, "invalidEscape", m));
                                }
                            }
                        }
                        if patterns.len() < texts.len() {
                            return None;
                        }
                        Test::Like(patterns)
                    }
                },
            })
        }
        "gt" | "gte" | "lt" | "lte" => {
            let Some(x) = arg.as_f64() else {
                return fail("wrongType", format!("\"{op}\" takes a number, not {}", type_name(arg)));
            };
            Some(match op {
                "gt" => Test::Gt(x),
                "gte" => Test::Gte(x),
                "lt" => Test::Lt(x),
                _ => Test::Lte(x),
            })
        }
        "between" => match arg.as_array().map(|a| a.as_slice()) {
            Some([lo, hi]) => match (lo.as_f64(), hi.as_f64()) {
                (Some(l), Some(h)) if l <= h => Some(Test::Between(l, h)),
                (Some(_), Some(_)) => {
                    fail("emptyRange", format!("\"between\" {} is empty: the low end comes first", json_text(arg)))
                }
                _ => fail("wrongType", "\"between\" takes two numbers [low, high], both included".into()),
            },
            _ => fail("wrongType", "\"between\" takes two numbers [low, high], both included".into()),
        },
        "equalsField" | "sameDomainAs" => match arg {
            Value::String(s) if s.len() <= MAX_RULE_TEXT_LEN => match FieldPath::parse(s) {
                Ok(other) => {
                    Some(if op == "equalsField" { Test::EqualsField(other) } else { Test::SameDomainAs(other) })
                }
                Err(m) => fail("invalidField", m),
            },
            other => fail(
                "wrongType",
                format!("\"{op}\" takes the path of another field, like \"company.website\", not {}", type_name(other)),
            ),
        },
        "withinLast" | "withinNext" => match arg.as_str().map(crate::time::parse_duration) {
            Some(Ok(0)) => fail("invalidDuration", format!("\"{op}\" is zero: write a duration such as \"14d\"")),
            Some(Ok(ms)) => Some(if op == "withinLast" { Test::WithinLast(ms) } else { Test::WithinNext(ms) }),
            Some(Err(m)) => fail("invalidDuration", m),
            None => fail(
                "wrongType",
                format!("\"{op}\" takes a duration written as text, like \"14d\", not {}", type_name(arg)),
            ),
        },
        "exists" => match arg {
            Value::Bool(b) => Some(Test::Exists(*b)),
            other => fail("wrongType", format!("\"exists\" takes true or false, not {}", type_name(other))),
        },
        "all" | "any" | "not" => {
            fail("unexpectedKey", format!("\"{op}\" cannot stand beside \"field\": put it in a condition of its own"))
        }
        _ => fail(
            "unknownOperator",
            format!("unknown operator \"{op}\"{}: use one of {}", suggest(op), OPERATORS.join(", ")),
        ),
    }
}

fn suggest(op: &str) -> String {
    let lower = op.to_ascii_lowercase();
    let aliases: &[(&str, &str)] = &[
        ("eq", "equals"),
        ("equal", "equals"),
        ("is", "equals"),
        ("oneof", "in"),
        ("notoneof", "notIn"),
        ("nin", "notIn"),
        ("not_in", "notIn"),
        ("notin", "notIn"),
        ("starts_with", "startsWith"),
        ("startswith", "startsWith"),
        ("ends_with", "endsWith"),
        ("endswith", "endsWith"),
        ("matches", "like"),
        ("wildcard", "like"),
        ("ge", "gte"),
        (">=", "gte"),
        ("le", "lte"),
        ("<=", "lte"),
        (">", "gt"),
        ("<", "lt"),
        ("range", "between"),
        ("contains_any_ci", "contains"),
        ("containsany", "contains"),
    ];
    aliases
        .iter()
        .find(|(a, _)| *a == lower)
        .map(|(_, to)| format!(" (did you mean \"{to}\"?)"))
        .or_else(|| {
            OPERATORS
                .iter()
                .find(|o| o.to_ascii_lowercase() == lower)
                .map(|o| format!(" (operators are case-sensitive: \"{o}\")"))
        })
        .unwrap_or_else(|| crate::suggest::did_you_mean(op, OPERATORS.iter().chain(MODIFIERS).copied()))
}

fn scalar(v: &Value) -> Result<Scalar, &'static str> {
    match v {
        Value::String(s) if s.len() <= MAX_RULE_TEXT_LEN => Ok(Scalar::Text(fold(s).into())),
        Value::String(_) => Err("a text of at most 1024 bytes"),
        Value::Number(n) => n.as_f64().map(Scalar::Number).ok_or("a finite number"),
        Value::Bool(b) => Ok(Scalar::Bool(*b)),
        _ => Err("a text, a number or a boolean"),
    }
}

fn texts(v: &Value) -> Result<Vec<Box<str>>, String> {
    let one = |s: &String| -> Result<Box<str>, String> {
        if s.is_empty() {
            Err("a non-empty text (an empty one matches everything)".into())
        } else if s.len() > MAX_RULE_TEXT_LEN {
            Err(format!("texts of at most {MAX_RULE_TEXT_LEN} bytes"))
        } else {
            Ok(fold(s).into())
        }
    };
    match v {
        Value::String(s) => Ok(vec![one(s)?]),
        Value::Array(items) if items.is_empty() => {
            Err("an empty list, which would never hold: give at least one text".into())
        }
        Value::Array(items) if items.len() > MAX_LIST_LEN => Err(format!("at most {MAX_LIST_LEN} texts")),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => one(s),
                other => Err(format!("a text or a list of texts; one item is {}", type_name(other))),
            })
            .collect(),
        other => Err(format!("a text or a list of texts, not {}", type_name(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(v: Value) -> Condition {
        let mut p = vec![];
        let c = compile(&v, "when", &mut p);
        assert!(p.is_empty(), "{p:?}");
        c.unwrap_or(Condition::All(vec![]))
    }

    fn problems(v: Value) -> Vec<Problem> {
        let mut p = vec![];
        let c = compile(&v, "when", &mut p);
        assert!(c.is_none());
        p
    }

    fn data(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn text_tests_fold_case() {
        let d = data(json!({"jobTitle": "VP of Sales", "industry": "Software", "email": "Ann@GMAIL.com"}));
        assert!(cond(json!({"field": "jobTitle", "word": ["vp", "director"]})).matches(&d));
        assert!(cond(json!({"field": "industry", "in": ["software", "fintech"]})).matches(&d));
        assert!(cond(json!({"field": "industry", "equals": "SOFTWARE"})).matches(&d));
        assert!(cond(json!({"field": "email", "endsWith": "@gmail.com"})).matches(&d));
        assert!(cond(json!({"field": "email", "like": "*@gmail.*"})).matches(&d));
        assert!(!cond(json!({"field": "industry", "notIn": ["software"]})).matches(&d));
    }

    #[test]
    fn missing_fields_and_arrays() {
        let d = data(json!({"company": {"size": 120, "stack": ["AWS", "Snowflake"]}, "country": null}));
        assert!(cond(json!({"field": "company.size", "between": [50, 5000]})).matches(&d));
        assert!(cond(json!({"field": "company.stack", "in": ["snowflake"]})).matches(&d));
        assert!(!cond(json!({"field": "company.stack", "notIn": ["aws"]})).matches(&d));
        assert!(!cond(json!({"field": "industry", "notIn": ["education"]})).matches(&d));
        assert!(cond(json!({"not": {"field": "industry", "in": ["education"]}})).matches(&d));
        assert!(cond(json!({"field": "country", "exists": false})).matches(&d));
        assert!(!cond(json!({"field": "company.size", "gt": 1000})).matches(&d));
    }

    /// A list with nothing but nulls in it (an empty one included) is a missing
    /// field: a multi-select with nothing selected. A list with a value is present,
    /// and its nulls match nothing.
    #[test]
    fn lists_without_values_are_missing() {
        let holds = |value: Value, test: Value| {
            let mut c = json!({"field": "stack"});
            for (k, v) in test.as_object().cloned().unwrap_or_default() {
                c[k] = v;
            }
            cond(c).matches(&data(json!({ "stack": value })))
        };
        for blank in [json!([]), json!([null]), json!([null, null])] {
            assert!(!holds(blank.clone(), json!({"exists": true})), "{blank}");
            assert!(holds(blank.clone(), json!({"exists": false})), "{blank}");
            assert!(!holds(blank.clone(), json!({"notIn": ["aws"]})), "{blank}");
            assert!(!holds(blank.clone(), json!({"in": ["aws"]})), "{blank}");
            assert!(cond(json!({"not": {"field": "stack", "exists": true}})).matches(&data(json!({ "stack": blank }))));
        }
        assert!(holds(json!([null, 1]), json!({"exists": true})));
        assert!(!holds(json!([null, 1]), json!({"exists": false})));
        assert!(holds(json!([null, 1]), json!({"notIn": [2]})));
        assert!(!holds(json!([null, 1]), json!({"notIn": [1]})));
        assert!(holds(json!([null, 1]), json!({"in": [1]})));
        assert!(holds(json!([null, "AWS"]), json!({"equals": "aws"})));
        // A list of values that match nothing is still present.
        assert!(holds(json!([[]]), json!({"exists": true})));
        assert!(holds(json!([{}]), json!({"notIn": ["aws"]})));
        assert!(!holds(json!([{}]), json!({"in": ["aws"]})));
    }

    #[test]
    fn numbers_do_not_compare_with_text() {
        let d = data(json!({"size": "120"}));
        assert!(!cond(json!({"field": "size", "gte": 100})).matches(&d));
        assert!(!cond(json!({"field": "size", "equals": 120})).matches(&d));
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let p = problems(json!({"all": [
            {"field": "a", "eq": 1},
            {"field": "b", "in": []},
            {"any": "x"},
            {"field": "", "gte": 1},
            {"field": "c", "between": [5, 1]}
        ]}));
        let paths: Vec<(&str, &str)> = p.iter().map(|p| (p.path.as_str(), p.code)).collect();
        assert_eq!(
            paths,
            vec![
                ("when.all[0].eq", "unknownOperator"),
                ("when.all[1].in", "emptyList"),
                ("when.all[2].any", "wrongType"),
                ("when.all[3].field", "invalidField"),
                ("when.all[4].between", "emptyRange"),
            ]
        );
        assert!(p[0].message.contains("did you mean \"equals\""));
    }

    /// A long list's values are held in order and found by binary search: whatever
    /// its items (a rule-set author may choose them), a lookup compares a value with
    /// at most ⌈log2 n⌉ + 1 of them, and finds what comparing with each would.
    #[test]
    fn long_lists_are_searched_in_logarithmic_steps() {
        let mut items: Vec<Scalar> =
            (0..5_000).map(|i| Scalar::Text(fold(&format!("Account-{i}.com")).into())).collect();
        items.extend([
            Scalar::Text("müller-gmbh.de".into()),
            Scalar::Number(42.0),
            Scalar::Number(-0.0),
            Scalar::Bool(true),
            Scalar::Text("account-17.com".into()),
        ]);
        let list = ScalarList::new(items.clone());
        let n = 5_001usize;
        let most = usize::BITS - (n - 1).leading_zeros() + 1; // ⌈log2 n⌉ + 1
        let values = ["account-17.com", "ACCOUNT-4999.COM", "Müller-GmbH.de", "account-5000.com", "", "a", "zzz", "Ä"];
        for v in values.iter().map(|v| json!(v)).chain([
            json!(42),
            json!(42.5),
            json!(0),
            json!(-0.0),
            json!("42"),
            json!(true),
            json!(false),
            json!(null),
        ]) {
            let mut compared = 0;
            let found = list.lookup(&v, &mut compared);
            assert_eq!(found, items.iter().any(|s| scalar_eq(s, &v)), "{v}");
            assert!(compared <= most as usize, "{v}: {compared} comparisons");
        }
        // Texts alike in their first 16 bytes (which the search compares first), and
        // texts that differ from one another only by trailing NULs.
        let texts = (0..100).map(|i| format!("https://example.com/page-{i}")).chain(["a".into(), "a\0".into()]);
        let items: Vec<Scalar> = texts.map(|t| Scalar::Text(t.into())).collect();
        let list = ScalarList::new(items.clone());
        for v in
            ["https://EXAMPLE.com/page-42", "https://example.com/page-100", "https://example.com/", "a", "A\0", "a\0\0"]
        {
            let v = json!(v);
            assert_eq!(list.contains(&v), items.iter().any(|s| scalar_eq(s, &v)), "{v}");
        }
    }

    proptest::proptest! {
        /// `contains` and `word` hold as finding the folded needle in the folded
        /// text says, for ASCII text (tested in place) and other text (folded).
        #[test]
        fn text_tests_hold_as_finding_the_folded_text_says(needle in "[aAb é-]{1,4}", text in "[aAbB éÉ-]{0,20}") {
            let d = data(json!({ "x": text }));
            let (n, t) = (fold(&needle), fold(&text));
            proptest::prop_assert_eq!(cond(json!({"field": "x", "contains": needle})).matches(&d), t.contains(&*n));
            let word = crate::value::contains_word(&t, &Needle::new(&n));
            proptest::prop_assert_eq!(cond(json!({"field": "x", "word": needle})).matches(&d), word);
            let is_word = |at: usize| {
                let before = t[..at].chars().next_back().is_none_or(|c| !crate::alphanumeric::is_alphanumeric(c));
                let after = t[at + n.len()..].chars().next().is_none_or(|c| !crate::alphanumeric::is_alphanumeric(c));
                before && after
            };
            // Every place the needle occurs, overlapping ones included.
            let everywhere = (0..t.len()).any(|at| t.is_char_boundary(at) && t[at..].starts_with(&*n) && is_word(at));
            proptest::prop_assert_eq!(word, everywhere);
        }
    }

    /// With `"escape"`, `like` matches a `*` or `?` literally; without it a
    /// backslash is an ordinary character, as in rule sets written before.
    #[test]
    fn like_escapes_are_explicit() {
        let d = data(json!({"q": "50% off?", "p": "a\\*"}));
        assert!(cond(json!({"field": "q", "like": "*off\\?", "escape": "\\"})).matches(&d));
        assert!(!cond(json!({"field": "q", "like": "*of\\?", "escape": "\\"})).matches(&d));
        assert!(cond(json!({"field": "q", "like": ["x", "50% off!?"], "escape": "!"})).matches(&d));
        assert!(cond(json!({"field": "p", "like": "a\\*"})).matches(&d));
        assert!(!cond(json!({"field": "p", "like": "a\\*", "escape": "\\"})).matches(&d));
        assert!(cond(json!({"field": "p", "like": "a\\\\\\*", "escape": "\\"})).matches(&d));
        let codes = |v: Value| problems(v).iter().map(|p| (p.path.clone(), p.code)).collect::<Vec<_>>();
        for (condition, path, code) in [
            (json!({"field": "q", "like": ["a", "b\\c"], "escape": "\\"}), "when.like[1]", "invalidEscape"),
            (json!({"field": "q", "like": "a", "escape": "ab"}), "when.escape", "invalidEscape"),
            (json!({"field": "q", "like": "a", "escape": "x"}), "when.escape", "invalidEscape"),
            (json!({"field": "q", "like": "a", "escape": "*"}), "when.escape", "invalidEscape"),
            (json!({"field": "q", "contains": "a", "escape": "\\"}), "when.escape", "unexpectedKey"),
        ] {
            assert_eq!(codes(condition), [(path.to_string(), code)]);
        }
        assert_eq!(codes(json!({"field": "q", "escape": "\\"})), [("when".to_string(), "missingOperator")]);
        let p = problems(json!({"field": "q", "like": "a", "escpae": "\\"}));
        assert!(p[0].message.contains("did you mean \"escape\""), "{}", p[0].message);
    }

    /// `"read": "number"` reads a text that is a number, strictly; other text is as
    /// a missing number, and numbers are still numbers.
    #[test]
    fn numbers_are_read_from_text_only_when_asked() {
        let c = cond(json!({"field": "size", "gte": 100, "read": "number"}));
        for (size, holds) in [
            (json!("120"), true),
            (json!("100"), true),
            (json!("99.5"), false),
            (json!("100.0"), true),
            (json!(120), true),
            (json!(["12", "150"]), true),
            (json!(" 120"), false),
            (json!("120 "), false),
            (json!("+120"), false),
            (json!("1,200"), false),
            (json!("1e3"), false),
            (json!("0120"), false),
            (json!("120."), false),
            (json!(".5"), false),
            (json!("NaN"), false),
            (json!("Infinity"), false),
            (json!(""), false),
            (json!(true), false),
            (json!("1000000000000000"), false),
        ] {
            assert_eq!(c.matches(&data(json!({ "size": size }))), holds, "{size}");
        }
        let negative = cond(json!({"field": "x", "between": [-1, 0], "read": "number"}));
        assert!(negative.matches(&data(json!({"x": "-0"}))) && negative.matches(&data(json!({"x": "-0.25"}))));
        assert!(!negative.matches(&data(json!({"x": "--1"}))) && !negative.matches(&data(json!({"x": "-"}))));
        let codes = |v: Value| problems(v).iter().map(|p| (p.path.clone(), p.code)).collect::<Vec<_>>();
        assert_eq!(codes(json!({"field": "x", "gt": 1, "read": "text"})), [("when.read".to_string(), "invalidValue")]);
        assert_eq!(
            codes(json!({"field": "x", "equals": 1, "read": "number"})),
            [("when.read".to_string(), "unexpectedKey")]
        );
    }

    proptest::proptest! {
        /// A text of the grammar is the number JSON reads from the same digits (serde_json,
        /// correctly rounded, as JSON.parse); any other text is none.
        #[test]
        fn numbers_in_text_are_what_json_reads(text in "-?(0|[1-9][0-9]{0,9})(\\.[0-9]{1,8})?") {
            let expected: f64 = serde_json::from_str(&text).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let digits = text.bytes().filter(u8::is_ascii_digit).count();
            let read = number_in_text(&text);
            if digits <= MAX_NUMBER_DIGITS {
                proptest::prop_assert_eq!(read.map(f64::to_bits), Some(expected.to_bits()), "{}", text);
            } else {
                proptest::prop_assert_eq!(read, None);
            }
        }

        #[test]
        fn other_texts_are_no_numbers(text in "[-+ .,e0-9a]{0,18}") {
            let json: Option<f64> = serde_json::from_str(&text).ok().filter(|_| {
                !text.contains(['e', '+', ' ']) && text.bytes().filter(u8::is_ascii_digit).count() <= MAX_NUMBER_DIGITS
            });
            proptest::prop_assert_eq!(number_in_text(&text).map(f64::to_bits), json.map(f64::to_bits), "{:?}", text);
        }
    }

    #[test]
    fn domains_of_emails_urls_and_hosts() {
        for (text, want) in [
            ("ann@Acme.com", Some("acme.com")),
            ("a@b@acme.com", Some("acme.com")),
            ("https://www.Acme.com:443/pricing?x=1#top", Some("acme.com")),
            ("http://user:pw@acme.com/", Some("acme.com")),
            ("https://acme.com/@team", Some("acme.com")),
            ("www.acme.com", Some("acme.com")),
            ("acme.com.", Some("acme.com")),
            ("acme.com/about", Some("acme.com")),
            ("acme.com/path@evil.com", Some("acme.com")),
            ("acme.com?ref=a@b.com", Some("acme.com")),
            ("https://acme.com/contact?e=x@y.com", Some("acme.com")),
            ("ann@acme.com#x", Some("acme.com")),
            ("WWW.ACME.COM", Some("acme.com")),
            ("mail.acme.com", Some("mail.acme.com")),
            ("wwwacme.com", Some("wwwacme.com")),
            ("https://[::1]:8080/", Some("[::1]")),
            ("xn--mller-kva.de", Some("xn--mller-kva.de")),
            ("Müller.DE", Some("müller.de")),
            ("ann@", None),
            ("https://", None),
            ("www.", Some("www")),
            ("https://www./x", Some("www")),
            ("https://:80/", None),
            ("", None),
        ] {
            assert_eq!(domain(text).as_deref(), want, "{text:?}");
        }
    }

    /// Two fields of the same record compared: both present and single.
    #[test]
    fn fields_compared_with_each_other() {
        let same = cond(json!({"field": "email", "sameDomainAs": "company.website"}));
        let d = |email: Value, site: Value| data(json!({"email": email, "company": {"website": site}}));
        assert!(same.matches(&d(json!("Ann@ACME.com"), json!("https://www.acme.com/"))));
        assert!(!same.matches(&d(json!("ann@mail.acme.com"), json!("acme.com"))));
        assert!(!same.matches(&d(json!("ann@gmail.com"), json!("acme.com"))));
        assert!(!same.matches(&d(json!("ann@acme.com"), json!(null))));
        assert!(!same.matches(&d(json!(["ann@acme.com"]), json!("acme.com"))));
        assert!(!same.matches(&d(json!("ann@"), json!("https://"))), "no domain is no match");
        let eq = cond(json!({"field": "a", "equalsField": "b"}));
        let d = |a: Value, b: Value| data(json!({"a": a, "b": b}));
        assert!(eq.matches(&d(json!("ÉTÉ"), json!("été"))));
        assert!(eq.matches(&d(json!(1), json!(1.0))) && eq.matches(&d(json!(0), json!(-0.0))));
        assert!(eq.matches(&d(json!(true), json!(true))));
        assert!(!eq.matches(&d(json!("1"), json!(1))));
        assert!(!eq.matches(&d(json!([1]), json!([1]))));
        assert!(!eq.matches(&d(json!({}), json!({}))));
        assert!(!eq.matches(&d(json!(null), json!(null))));
        assert!(!eq.matches(&data(json!({"a": 1}))));
        let mut read = vec![];
        cond(json!({"not": {"field": "x.y", "equalsField": "z.w"}})).for_each_path(&mut |p| read.push(p.text()));
        assert_eq!(read, ["x.y", "z.w"]);
        let codes = |v: Value| problems(v).iter().map(|p| (p.path.clone(), p.code)).collect::<Vec<_>>();
        assert_eq!(
            codes(json!({"field": "a", "equalsField": "a"})),
            [("when.equalsField".to_string(), "invalidField")]
        );
        assert_eq!(
            codes(json!({"field": "a", "sameDomainAs": "b."})),
            [("when.sameDomainAs".to_string(), "invalidField")]
        );
        assert_eq!(codes(json!({"field": "a", "sameDomainAs": 3})), [("when.sameDomainAs".to_string(), "wrongType")]);
        assert!(problems(json!({"field": "a", "sameDomain": "b"}))[0]
            .message
            .contains("did you mean \"sameDomainAs\""));
    }

    /// Dates relative to `now`, read as events' times are, both edges included.
    #[test]
    fn dates_relative_to_now() {
        let day = crate::time::DAY;
        let now = 1_795_176_000_000; // 2026-11-20T12:00:00Z
        let last = cond(json!({"field": "signedUpAt", "withinLast": "14d"}));
        let next = cond(json!({"field": "trialEndsAt", "withinNext": "3d"}));
        let at = |c: &Condition, field: &str, v: Value| c.matches_at(&data(json!({ field: v })), Some(now));
        assert!(at(&last, "signedUpAt", json!(now)));
        assert!(at(&last, "signedUpAt", json!(now - 14 * day)));
        assert!(!at(&last, "signedUpAt", json!(now - 14 * day - 1)));
        assert!(!at(&last, "signedUpAt", json!(now + 1)));
        assert!(at(&last, "signedUpAt", json!("2026-11-10T00:00:00Z")));
        assert!(at(&last, "signedUpAt", json!("2026-11-20T13:00:00+01:00")));
        assert!(!at(&last, "signedUpAt", json!("2026-11-20")));
        assert!(!at(&last, "signedUpAt", json!("yesterday")));
        assert!(!at(&last, "signedUpAt", json!(null)));
        assert!(at(&last, "signedUpAt", json!([0, now - day])));
        assert!(at(&next, "trialEndsAt", json!(now + 3 * day)));
        assert!(!at(&next, "trialEndsAt", json!(now + 3 * day + 1)));
        assert!(!at(&next, "trialEndsAt", json!(now - 1)));
        assert!(at(&next, "trialEndsAt", json!(now)));
        // Without a now (an event's filter), no relative date holds.
        assert!(!last.matches(&data(json!({"signedUpAt": now}))));
        assert!(
            last.depends_on_now()
                && cond(json!({"not": {"any": [{"field": "a", "exists": true}, {"field": "x", "withinNext": "1h"}]}}))
                    .depends_on_now()
        );
        assert!(!cond(json!({"field": "a", "gt": 1})).depends_on_now());
        let mut paths = vec![];
        cond(json!({"all": [{"field": "a", "exists": true}, {"not": {"field": "x", "withinNext": "1h"}}]}))
            .relative_tests("where", &mut paths);
        assert_eq!(paths, ["where.all[1].not.withinNext"]);
        let codes = |v: Value| problems(v).iter().map(|p| (p.path.clone(), p.code)).collect::<Vec<_>>();
        assert_eq!(
            codes(json!({"field": "a", "withinLast": "0d"})),
            [("when.withinLast".to_string(), "invalidDuration")]
        );
        assert_eq!(codes(json!({"field": "a", "withinLast": 14})), [("when.withinLast".to_string(), "wrongType")]);
    }

    #[test]
    fn depth_is_limited() {
        let mut v = json!({"field": "a", "exists": true});
        for _ in 0..MAX_CONDITION_DEPTH {
            v = json!({"not": v});
        }
        cond(v.clone());
        let p = problems(json!({"not": v}));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].code, "tooDeep");
    }
}
