//! The compiled form of a rule set: a [`RuleSet`] as the compiler checked it,
//! written ahead (`leadscore compile`, `compileRuleSet()`) so that a module without
//! the compiler (the npm package's page module) can load it. Loading it checks the
//! bytes whole and then what the compiler checks of the rules they describe (all
//! but three checks that only help a rule set's author: that a stage's threshold
//! is reachable, that a `count` or `sum` rule's own `recency` names no half-life,
//! and that each property a filter reads is declared for each of its event types),
//! so that no bytes, damaged or made up, can make scoring trap, panic or run past
//! its limits, or load as rules the compiler's checks would have refused.
//!
//! # Layout
//!
//! | bytes | what |
//! |---|---|
//! | 4 | the mark `89 4C 53 43` (`\x89LSC`) |
//! | 2 | the format version, little-endian ([`FORMAT_VERSION`]) |
//! | 1 + n | the version of leadscore that wrote it: its length n (at most 64), then its text |
//! | 4 | the length of what follows up to the checksum, little-endian |
//! | (format 2) | the features the rules use: their count, then each name as a text ([`features`]) |
//! | that many | the rule set ([`write_rule_set`]) |
//! | 8 | FNV-1a (64 bits) of every byte before it, little-endian |
//!
//! The mark, the format version and the writer's version stay where they are in
//! every format version, so that any later engine can tell what it was handed and
//! say so. A rule set that uses none of the language's later features (see
//! [`features`]) is written in format 1, as before they existed; one that uses some
//! in format 2, whose list of their names comes before any rule: an engine that
//! does not know one of them says which, and features added later are new names,
//! not new format versions. A rule set is written with unsigned numbers as LEB128 varints (the
//! shortest form: a loader refuses longer ones), signed ones zigzagged first, texts
//! as a length and UTF-8, and every choice as a tag byte. What the compiler derives
//! (a long list's sorted values, the automata of `contains`, `word` and `like`,
//! the paths of stage triggers) is not written but made again on loading, by the
//! same code that made it when the rule set was compiled. So every accepted
//! sequence of bytes is the only one that writes its rule set: writing a loaded
//! rule set gives its bytes back (the fuzz target `compiled` checks it).

use crate::condition::{Condition, Scalar, ScalarList, Test, MAX_CONDITION_DEPTH, MAX_LIST_LEN, MAX_RULE_TEXT_LEN};
use crate::cost::{lead_cost, MAX_LEAD_COST};
use crate::error::InputError;
use crate::features;
use crate::order::first_of_each;
use crate::rules::{
    Award, Centi, Disqualifier, DisqualifierTest, EngagementRule, EventMatcher, FitRule, Group, Recency, TotalLimits,
    MAX_UTC_OFFSET_MS,
};
use crate::ruleset::{
    is_id_char, RuleSet, DISQUALIFIED_BAND, MAX_AT_LEAST, MAX_DESCRIPTION_LEN, MAX_ID_LEN, MAX_LABEL_LEN, MAX_RULES,
};
use crate::search::Needle;
use crate::stages::{Band, Grades, MqlStage, PqlStage, SqlStage, Stages, Trigger};
use crate::time::MAX_DURATION_MS;
use crate::value::{fold, FieldPath};
use crate::vocabulary::{PropertyType, Vocabulary};
use crate::wildcard::Wildcard;
use std::sync::Arc;

/// The first four bytes of every compiled rule set.
pub const MAGIC: [u8; 4] = [0x89, b'L', b'S', b'C'];
/// The newest format this engine reads and writes (format 1 for a rule set that
/// uses no later feature).
pub const FORMAT_VERSION: u16 = 2;
/// The code of every error about a compiled rule set that cannot be loaded.
pub const CODE: &str = "compiledRuleSet";
/// Longest version of leadscore a header names.
const MAX_WRITER_LEN: usize = 64;
/// Longest text a loaded condition holds: the compiler takes texts of
/// [`MAX_RULE_TEXT_LEN`] bytes, and folding makes a character at most half as long
/// again (U+0130 'İ', two bytes, folds to "i̇", three).
const MAX_FOLDED_LEN: usize = MAX_RULE_TEXT_LEN * 3 / 2;
/// Points in hundredths: the compiler takes at most ±1,000,000 points.
const MAX_CENTI: Centi = 100_000_000;
/// A `sum` rule's `atLeast` in thousandths: the compiler takes 0.001 to 1e12.
const MAX_SUM_MILLI: i64 = 1_000_000_000_000_000;
/// Numbers up to this size are written as whole numbers (every one is an f64 exactly).
const EXACT_WHOLE: f64 = 9_007_199_254_740_992.0;

// ---------------------------------------------------------------------------
// Writing

/// The compiled form of `rs`, naming `engine_version` as its writer.
pub fn write(rs: &RuleSet, engine_version: &str) -> Vec<u8> {
    let used = features::used(rs);
    let mut payload = Writer(Vec::new());
    if used.is_empty() {
        payload.rule_set(rs);
        return seal(&payload.0, engine_version);
    }
    payload.len(used.len());
    used.iter().for_each(|name| payload.text(name));
    payload.rule_set(rs);
    seal_as(2, &payload.0, engine_version)
}

/// `payload` (a rule set as [`write_rule_set`] writes it) in the header and
/// checksum of format 1: for [`write`], and for tests and fuzzing, which make up
/// rule sets that pass the checksum.
pub fn seal(payload: &[u8], engine_version: &str) -> Vec<u8> {
    seal_as(1, payload, engine_version)
}

/// `payload` in the header and checksum of format `version`.
pub fn seal_as(version: u16, payload: &[u8], engine_version: &str) -> Vec<u8> {
    let writer = engine_version.get(..MAX_WRITER_LEN.min(engine_version.len())).unwrap_or("");
    let mut out = Vec::with_capacity(payload.len() + writer.len() + 19);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.push(writer.len() as u8);
    out.extend_from_slice(writer.as_bytes());
    out.extend_from_slice(&u32::try_from(payload.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(payload);
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// The rule set alone, as the compiled form holds it after its header.
pub fn write_rule_set(rs: &RuleSet) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.rule_set(rs);
    w.0
}

/// FNV-1a, 64 bits.
fn checksum(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(bytes);
    h.finish()
}

struct Writer(Vec<u8>);

impl Writer {
    fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push(n as u8 | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn len(&mut self, n: usize) {
        self.uint(n as u64);
    }

    fn flag(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }

    fn text(&mut self, t: &str) {
        self.len(t.len());
        self.0.extend_from_slice(t.as_bytes());
    }

    fn opt<T>(&mut self, v: Option<T>, f: impl FnOnce(&mut Self, T)) {
        self.flag(v.is_some());
        if let Some(v) = v {
            f(self, v);
        }
    }

    fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) {
        self.len(items.len());
        items.iter().for_each(|i| f(self, i));
    }

    /// A number: whole ones (not -0) of up to 2^53 as tag 3 and a varint, any other
    /// as tag 4 and its eight bytes.
    fn number(&mut self, n: f64) {
        if n.fract() == 0.0 && n.abs() <= EXACT_WHOLE && !(n == 0.0 && n.is_sign_negative()) {
            self.0.push(3);
            self.int(n as i64);
        } else {
            self.0.push(4);
            self.0.extend_from_slice(&n.to_le_bytes());
        }
    }

    fn rule_set(&mut self, rs: &RuleSet) {
        self.text(&rs.id);
        self.text(&rs.version);
        self.opt(rs.description.as_deref(), Self::text);
        self.opt(rs.vocabulary.as_ref(), |w, vocab| {
            w.len(vocab.len());
            for (name, props) in vocab.iter() {
                w.text(name);
                w.len(props.len());
                for (prop, ty) in props.iter() {
                    w.text(prop);
                    w.0.push(match ty {
                        PropertyType::String => 0,
                        PropertyType::Number => 1,
                        PropertyType::Boolean => 2,
                    });
                }
            }
        });
        self.list(&rs.groups, |w, g| {
            w.text(&g.name);
            w.opt(g.cap, Self::int);
        });
        self.list(&rs.fit, |w, r| {
            w.rule_head(&r.id, r.description.as_deref(), r.group, r.points);
            w.condition(&r.when);
        });
        self.list(&rs.engagement, |w, r| {
            w.rule_head(&r.id, r.description.as_deref(), r.group, r.points);
            w.matcher(&r.matcher);
            match &r.award {
                Award::PerOccurrence { cap, once } => {
                    w.0.push(0);
                    w.opt(*cap, Self::int);
                    w.flag(*once);
                }
                Award::Frequency { at_least, within } => {
                    w.0.push(1);
                    w.uint(u64::from(*at_least));
                    w.opt(*within, Self::int);
                }
                Award::Sum { property, at_least_milli, within } => {
                    w.0.push(2);
                    w.text(&property.text());
                    w.int(*at_least_milli);
                    w.opt(*within, Self::int);
                }
                Award::Every { every, within, cap } => {
                    w.0.push(3);
                    w.uint(u64::from(*every));
                    w.opt(*within, Self::int);
                    w.opt(*cap, Self::int);
                }
                Award::Days { at_least, within, utc_offset } => {
                    w.0.push(5);
                    w.uint(u64::from(*at_least));
                    w.opt(*within, Self::int);
                    w.int(*utc_offset);
                }
                Award::Sequence { then, within } => {
                    w.0.push(6);
                    w.matcher(then);
                    w.opt(*within, Self::int);
                }
                Award::PerUnit { property, cap, once } => {
                    w.0.push(4);
                    w.text(&property.text());
                    w.opt(*cap, Self::int);
                    w.flag(*once);
                }
            }
            w.opt(r.recency.half_life, Self::int);
            w.opt(r.recency.expire_after, Self::int);
        });
        self.opt(rs.total.max, Self::int);
        self.flag(rs.total.floor_at_zero);
        self.list(&rs.disqualifiers, |w, d| {
            w.text(&d.id);
            w.opt(d.label.as_deref(), Self::text);
            w.opt(d.description.as_deref(), Self::text);
            match &d.test {
                DisqualifierTest::Profile(c) => {
                    w.0.push(0);
                    w.condition(c);
                }
                DisqualifierTest::Event(m) => {
                    if let Some(ms) = d.within {
                        w.0.push(2);
                        w.int(ms);
                    } else {
                        w.0.push(1);
                    }
                    w.matcher(m);
                }
            }
        });
        let stages = &rs.stages;
        self.opt(stages.mql.as_ref(), |w, m| {
            w.int(m.threshold);
            w.opt(m.min_fit, Self::int);
            w.opt(m.min_engagement, Self::int);
        });
        self.opt(stages.sql.as_ref(), |w, s| {
            w.opt(s.threshold, Self::int);
            w.list(&s.on, Self::trigger);
        });
        self.opt(stages.pql.as_ref(), |w, p| {
            w.list(&p.on, Self::trigger);
            w.opt(p.min_fit, Self::int);
        });
        self.flag(stages.recycle);
        for cut in rs.grades.fit.iter().chain(&rs.grades.engagement) {
            self.int(*cut);
        }
        self.list(&rs.bands, |w, b| {
            w.text(&b.name);
            w.opt(b.at_least, Self::int);
        });
        self.flag(rs.count_anonymous);
    }

    fn rule_head(&mut self, id: &str, description: Option<&str>, group: Option<usize>, points: Centi) {
        self.text(id);
        self.opt(description, Self::text);
        self.opt(group, Self::len);
        self.int(points);
    }

    fn matcher(&mut self, m: &EventMatcher) {
        self.list(&m.types, |w, t| w.text(t));
        self.opt(m.filter.as_ref(), Self::condition);
    }

    fn trigger(&mut self, t: &Trigger) {
        self.opt(t.label.as_deref(), Self::text);
        self.matcher(&t.matcher);
        self.uint(u64::from(t.at_least));
        self.opt(t.within, Self::int);
    }

    fn condition(&mut self, c: &Condition) {
        match c {
            Condition::All(cs) | Condition::Any(cs) => {
                self.0.push(if matches!(c, Condition::All(_)) { 0 } else { 1 });
                self.list(cs, Self::condition);
            }
            Condition::Not(c) => {
                self.0.push(2);
                self.condition(c);
            }
            Condition::Leaf { field, test } => {
                self.0.push(3);
                self.text(&field.text());
                self.test(test);
            }
        }
    }

    fn test(&mut self, t: &Test) {
        let texts = |w: &mut Self, tag: u8, ts: &mut dyn Iterator<Item = &str>, n: usize| {
            w.0.push(tag);
            w.len(n);
            ts.for_each(|t| w.text(t));
        };
        match t {
            Test::Equals(s) => {
                self.0.push(0);
                self.scalar(s);
            }
            Test::In(list) | Test::NotIn(list) => {
                self.0.push(if matches!(t, Test::In(_)) { 1 } else { 2 });
                self.list(list.items(), Self::scalar);
            }
            Test::Contains(ns) => texts(self, 3, &mut ns.iter().map(Needle::text), ns.len()),
            Test::StartsWith(ts) => texts(self, 4, &mut ts.iter().map(|t| &**t), ts.len()),
            Test::EndsWith(ts) => texts(self, 5, &mut ts.iter().map(|t| &**t), ts.len()),
            Test::Word(ns) => texts(self, 6, &mut ns.iter().map(Needle::text), ns.len()),
            Test::Like(ps) => match ps.first().and_then(Wildcard::escape) {
                None => texts(self, 7, &mut ps.iter().map(Wildcard::pattern), ps.len()),
                Some(e) => {
                    self.0.push(15);
                    self.text(e.encode_utf8(&mut [0; 4]));
                    self.list(ps, |w, p| w.text(p.pattern()));
                }
            },
            Test::Gt(x) | Test::Gte(x) | Test::Lt(x) | Test::Lte(x) => {
                self.0.push(match t {
                    Test::Gt(_) => 8,
                    Test::Gte(_) => 9,
                    Test::Lt(_) => 10,
                    _ => 11,
                });
                self.number(*x);
            }
            Test::Between(lo, hi) => {
                self.0.push(12);
                self.number(*lo);
                self.number(*hi);
            }
            Test::Exists(want) => self.0.push(if *want { 14 } else { 13 }),
            Test::NumberFromText(test) => {
                self.0.push(16);
                self.test(test);
            }
            Test::WithinLast(ms) | Test::WithinNext(ms) => {
                self.0.push(if matches!(t, Test::WithinLast(_)) { 19 } else { 20 });
                self.int(*ms);
            }
            Test::EqualsField(other) | Test::SameDomainAs(other) => {
                self.0.push(if matches!(t, Test::EqualsField(_)) { 17 } else { 18 });
                self.text(&other.text());
            }
        }
    }

    fn scalar(&mut self, s: &Scalar) {
        match s {
            Scalar::Text(t) => {
                self.0.push(0);
                self.text(t);
            }
            Scalar::Bool(b) => self.0.push(1 + u8::from(*b)),
            Scalar::Number(n) => self.number(*n),
        }
    }
}

// ---------------------------------------------------------------------------
// Reading

/// The rule set that `bytes` hold, checked whole: an error with code [`CODE`] and
/// a message that says what is wrong with them.
pub fn read(bytes: &[u8]) -> Result<RuleSet, InputError> {
    let Opened { version, writer, payload } = open(bytes)?;
    let mut r = Reader { bytes: payload, at: 0 };
    let not_written = |m: Bad, at: usize| {
        error(format!(
            "the rule set in it is not one the compiler writes ({m}, at byte {at} of {}): the bytes were not \
             written by leadscore compile",
            payload.len()
        ))
    };
    let listed = match version {
        1 => Vec::new(),
        _ => r.feature_names().map_err(|m| not_written(m, r.at))?,
    };
    if let Some(unknown) = listed.iter().find(|name| !features::known(name)) {
        return Err(error(format!(
            "it uses the feature `{unknown}`, which this engine (leadscore {}) does not know (written by \
             leadscore {writer}): update leadscore, or write the rule set without it",
            env!("CARGO_PKG_VERSION")
        )));
    }
    let rs = r.rule_set().map_err(|m| {
        error(format!(
            "the rule set in it is not one the compiler writes ({m}, at byte {} of {}): the bytes were not \
             written by leadscore compile",
            r.at,
            payload.len()
        ))
    })?;
    if r.at != payload.len() {
        return Err(error(format!("the rule set in it ends at byte {} of {}", r.at, payload.len())));
    }
    if features::used(&rs) != listed {
        return Err(error(
            "the features its header lists are not the ones its rules use: the bytes were not written by \
             leadscore compile"
                .into(),
        ));
    }
    Ok(rs)
}

/// A compiled rule set whose header and checksum say that it is whole.
struct Opened<'b> {
    version: u16,
    writer: &'b str,
    /// What follows the header, up to the checksum.
    payload: &'b [u8],
}

fn error(message: String) -> InputError {
    InputError::new("", CODE, format!("the compiled rule set cannot be loaded: {message}"))
}

/// The rule set's bytes, once the header and the checksum say that they are whole.
fn open(bytes: &[u8]) -> Result<Opened<'_>, InputError> {
    let mark = bytes.get(..MAGIC.len().min(bytes.len())).unwrap_or_default();
    if mark != MAGIC.get(..mark.len()).unwrap_or_default() || bytes.is_empty() {
        let json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        return Err(error(format!(
            "{} are not a leadscore compiled rule set (it starts with the bytes 89 4C 53 43){}",
            if bytes.is_empty() { "no bytes".to_string() } else { format!("these {} bytes", bytes.len()) },
            if json {
                "; they look like rule-set JSON, which `leadscore compile --rules R.json --out R.lsc` or \
                 compileRuleSet() compiles"
            } else {
                ""
            }
        )));
    }
    let truncated = || error(format!("it is truncated: {} bytes, and its header says there are more", bytes.len()));
    let version = match bytes.get(4..6) {
        Some(&[a, b]) => u16::from_le_bytes([a, b]),
        _ => return Err(truncated()),
    };
    // The writer's version sits in the same place in every format version.
    let writer_len = usize::from(bytes.get(6).copied().unwrap_or(0));
    let writer =
        bytes.get(7..7 + writer_len).and_then(|w| std::str::from_utf8(w).ok()).filter(|w| w.len() <= MAX_WRITER_LEN);
    let by = writer.map(|w| format!(" (by leadscore {w})")).unwrap_or_default();
    if version > FORMAT_VERSION {
        return Err(error(format!(
            "it was written by a newer format version {version}{by}; this engine (leadscore {}) reads up to \
             format version {FORMAT_VERSION}: compile the rule set with this version, or update leadscore",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if version == 0 {
        return Err(error("its format version is 0, which no leadscore writes: the bytes are damaged".into()));
    }
    let start = 7 + writer_len + 4;
    let Some(&[a, b, c, d]) = bytes.get(start - 4..start) else { return Err(truncated()) };
    let len = u32::from_le_bytes([a, b, c, d]) as usize;
    let end = start.saturating_add(len);
    let whole = end.saturating_add(8);
    if bytes.len() < whole {
        return Err(error(format!("it is truncated: {} bytes of the {whole} its header names", bytes.len())));
    }
    if bytes.len() > whole {
        return Err(error(format!(
            "it has {} bytes after its end (at byte {whole}): the bytes are damaged, or more than one file",
            bytes.len() - whole
        )));
    }
    let (body, sum) = (bytes.get(..end).unwrap_or_default(), bytes.get(end..whole).unwrap_or_default());
    let want = sum.iter().rev().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
    if checksum(body) != want {
        return Err(error(format!(
            "its checksum does not match{by}: the bytes were damaged or changed after they were written"
        )));
    }
    let Some(writer) = writer else {
        return Err(error("its header does not name the version of leadscore that wrote it".into()));
    };
    Ok(Opened { version, writer, payload: bytes.get(start..end).unwrap_or_default() })
}

/// What is wrong with the rule set's bytes, for the error's message: words only,
/// as numbers would bring their formatting into the page module for bytes that
/// only a writer other than leadscore's makes (the message names the byte).
type Bad = &'static str;

struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

/// `Err(m)` unless `ok`.
fn check(ok: bool, m: Bad) -> Result<(), Bad> {
    if ok {
        Ok(())
    } else {
        Err(m)
    }
}

fn points_ok(c: Centi) -> bool {
    (-MAX_CENTI..=MAX_CENTI).contains(&c)
}

const SHORT: Bad = "it ends too soon";

impl<'b> Reader<'b> {
    fn byte(&mut self) -> Result<u8, Bad> {
        let b = self.bytes.get(self.at).copied().ok_or(SHORT)?;
        self.at += 1;
        Ok(b)
    }

    /// A tag from 0 to `max`.
    fn tag(&mut self, max: u8) -> Result<u8, Bad> {
        let t = self.byte()?;
        check(t <= max, "a kind of thing is unknown")?;
        Ok(t)
    }

    fn uint(&mut self) -> Result<u64, Bad> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let low = u64::from(b & 0x7f);
            check(shift < 63 || low <= 1, "a number is too large")?;
            check(shift == 0 || b != 0, "a number is not written in its shortest form")?;
            n |= low << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("a number is too long")
    }

    fn int(&mut self) -> Result<i64, Bad> {
        let z = self.uint()?;
        Ok((z >> 1) as i64 ^ -((z & 1) as i64))
    }

    /// A count of at most `max` things, each at least one byte long.
    fn len(&mut self, max: usize) -> Result<usize, Bad> {
        let n = self.uint()?;
        check(n <= max as u64, "a list is longer than the compiler allows")?;
        check(n <= self.bytes.len().saturating_sub(self.at) as u64, SHORT)?;
        Ok(n as usize)
    }

    fn flag(&mut self) -> Result<bool, Bad> {
        Ok(self.tag(1)? == 1)
    }

    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, Bad>) -> Result<Option<T>, Bad> {
        if self.flag()? {
            f(self).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A list of at most `max` items; `filled`: of one at least.
    fn list<T>(
        &mut self,
        max: usize,
        filled: bool,
        mut f: impl FnMut(&mut Self) -> Result<T, Bad>,
    ) -> Result<Vec<T>, Bad> {
        let n = self.len(max)?;
        check(n > 0 || !filled, "a list is empty")?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(f(self)?);
        }
        Ok(items)
    }

    /// Text of at most `max` bytes.
    fn text(&mut self, max: usize) -> Result<&'b str, Bad> {
        let n = self.uint()?;
        check(n <= max as u64, "a text is longer than the compiler allows")?;
        let end = self.at.saturating_add(n as usize);
        let bytes = self.bytes.get(self.at..end).ok_or(SHORT)?;
        self.at = end;
        std::str::from_utf8(bytes).map_err(|_| "a text is not UTF-8")
    }

    /// The names of the features a format 2 rule set lists: at least one, each an
    /// ASCII word. Whether they are known, and the ones its rules use, is checked
    /// by the caller.
    fn feature_names(&mut self) -> Result<Vec<&'b str>, Bad> {
        self.list(features::MAX_LISTED, true, |r| {
            let name = r.filled(features::MAX_NAME_LEN)?;
            check(name.bytes().all(|b| b.is_ascii_alphanumeric()), "a feature's name is not a word")?;
            Ok(name)
        })
    }

    /// Text the compiler reads with `Obj::text`: not blank, at most `max` bytes.
    fn filled(&mut self, max: usize) -> Result<&'b str, Bad> {
        let t = self.text(max)?;
        check(!t.trim().is_empty(), "a text is empty")?;
        Ok(t)
    }

    /// An id of a rule or of the rule set.
    fn id(&mut self) -> Result<&'b str, Bad> {
        let id = self.filled(MAX_ID_LEN)?;
        check(id.chars().all(is_id_char), "an id holds a character ids may not")?;
        Ok(id)
    }

    fn description(&mut self) -> Result<Option<&'b str>, Bad> {
        self.opt(|r| r.filled(MAX_DESCRIPTION_LEN))
    }

    /// The label of a stage trigger or a disqualifier.
    fn label(&mut self) -> Result<Option<&'b str>, Bad> {
        self.opt(|r| r.filled(MAX_LABEL_LEN))
    }

    /// Points within ±1,000,000 (in hundredths).
    fn points(&mut self) -> Result<Centi, Bad> {
        let c = self.int()?;
        check(points_ok(c), "points are outside ±1000000")?;
        Ok(c)
    }

    fn positive_points(&mut self) -> Result<Centi, Bad> {
        let c = self.points()?;
        check(c > 0, "a cap or threshold is not more than 0")?;
        Ok(c)
    }

    fn duration(&mut self) -> Result<Option<i64>, Bad> {
        self.opt(|r| {
            let ms = r.int()?;
            check((1..=MAX_DURATION_MS).contains(&ms), "a duration is out of range")?;
            Ok(ms)
        })
    }

    fn count(&mut self) -> Result<u32, Bad> {
        let n = self.uint()?;
        check((1..=u64::from(MAX_AT_LEAST)).contains(&n), "an atLeast count is out of range")?;
        Ok(n as u32)
    }

    fn field(&mut self) -> Result<FieldPath, Bad> {
        let t = self.text(MAX_RULE_TEXT_LEN)?;
        FieldPath::parse(t).map_err(|_| "a field is not a field path")
    }

    /// A number the compiler took from JSON: finite, and whole ones written as such.
    fn number(&mut self) -> Result<f64, Bad> {
        match self.tag(4)? {
            3 => {
                let x = self.int()? as f64;
                check(x.abs() <= EXACT_WHOLE, "a number is too large")?;
                Ok(x)
            }
            4 => {
                let end = self.at.saturating_add(8);
                let bytes = self.bytes.get(self.at..end).ok_or(SHORT)?;
                self.at = end;
                let mut eight = [0u8; 8];
                eight.copy_from_slice(bytes);
                let x = f64::from_le_bytes(eight);
                let whole = x.fract() == 0.0 && x.abs() <= EXACT_WHOLE && !(x == 0.0 && x.is_sign_negative());
                check(x.is_finite() && !whole, "a number is not written as the compiler writes it")?;
                Ok(x)
            }
            _ => Err("a number is of an unknown kind"),
        }
    }

    /// Text of a condition, folded as the compiler folds it; not empty when `filled`.
    fn folded(&mut self, filled: bool) -> Result<Box<str>, Bad> {
        let t = self.text(MAX_FOLDED_LEN)?;
        check(!filled || !t.is_empty(), "a text of a condition is empty")?;
        check(*fold(t) == *t, "a text of a condition is not folded to lower case")?;
        Ok(t.into())
    }

    fn rule_set(&mut self) -> Result<RuleSet, Bad> {
        let id = self.id()?;
        let version = self.filled(MAX_ID_LEN)?;
        let description = self.description()?;
        let vocabulary = self.opt(Self::vocabulary)?;
        let groups = self.list(usize::MAX, false, |r| {
            let name = r.text(MAX_ID_LEN)?;
            check(!name.is_empty(), "a group's name is empty")?;
            Ok(Group { name: name.into(), cap: r.opt(Self::positive_points)? })
        })?;
        let names: Vec<&str> = groups.iter().map(|g| &*g.name).collect();
        check(names.windows(2).all(|w| w.first() < w.get(1)), "the groups are not in order, once each")?;
        let mut ids: Vec<&'b str> = Vec::new();
        let ctx = Ctx { vocabulary: vocabulary.as_ref(), groups: groups.len() };
        let fit = self.list(MAX_RULES, false, |r| {
            let (id, description, group, points) = r.rule_head(&ctx, &mut ids)?;
            let when = r.condition(0)?;
            Ok(FitRule { id: id.into(), description: description.map(Into::into), group, points, when })
        })?;
        let engagement = self.list(MAX_RULES, false, |r| r.engagement_rule(&ctx, &mut ids))?;
        let total = TotalLimits { max: self.opt(Self::positive_points)?, floor_at_zero: self.flag()? };
        let disqualifiers = self.list(MAX_RULES, false, |r| {
            let id = r.id()?;
            ids.push(id);
            let label = r.label()?;
            let description = r.description()?;
            let (test, within) = match r.tag(2)? {
                0 => (DisqualifierTest::Profile(r.condition(0)?), None),
                1 => (DisqualifierTest::Event(r.matcher(&ctx)?), None),
                _ => {
                    let ms = r.int()?;
                    check((1..=MAX_DURATION_MS).contains(&ms), "a duration is out of range")?;
                    (DisqualifierTest::Event(r.matcher(&ctx)?), Some(ms))
                }
            };
            Ok(Disqualifier {
                id: id.into(),
                label: label.map(Into::into),
                description: description.map(Into::into),
                test,
                within,
            })
        })?;
        check(ids.len() <= MAX_RULES, "it has more rules than the compiler allows")?;
        check(first_of_each(&ids).iter().all(|first| *first), "a rule id is used twice")?;
        // In one pass over the rules, whatever the number of groups.
        let mut has_fit = vec![false; groups.len()];
        for g in fit.iter().filter_map(|r| r.group) {
            if let Some(slot) = has_fit.get_mut(g) {
                *slot = true;
            }
        }
        let mixed = engagement.iter().filter_map(|r| r.group).any(|g| has_fit.get(g) == Some(&true));
        check(!mixed, "a group holds fit and engagement rules")?;
        let stages = self.stages(&ctx)?;
        let mut cuts = [0; 6];
        for cut in &mut cuts {
            *cut = self.points()?;
        }
        let [a, b, c, d, e, f] = cuts;
        check(a > b && b > c && d > e && e > f, "the grades' cut-offs are not in descending order")?;
        let grades = Grades { fit: [a, b, c], engagement: [d, e, f] };
        let bands = self.bands()?;
        let count_anonymous = self.flag()?;
        let cost = lead_cost(&fit, &engagement, &disqualifiers, &stages);
        check(cost <= MAX_LEAD_COST, "scoring a lead with it could take more steps than the limit")?;
        Ok(RuleSet {
            id: id.into(),
            version: version.into(),
            description: description.map(Into::into),
            fit,
            engagement,
            groups,
            total,
            disqualifiers,
            stages,
            grades,
            bands,
            count_anonymous,
            vocabulary,
            warnings: Vec::new(),
        })
    }

    fn vocabulary(&mut self) -> Result<Vocabulary, Bad> {
        let mut vocab = Vocabulary::default();
        let mut last: Option<&str> = None;
        for _ in 0..self.len(usize::MAX)? {
            let name = self.text(usize::MAX)?;
            check(last < Some(name), "the event types are not in order, once each")?;
            last = Some(name);
            let mut props = crate::by_name::ByName::default();
            let mut last_prop: Option<&str> = None;
            for _ in 0..self.len(usize::MAX)? {
                let prop = self.text(usize::MAX)?;
                check(last_prop < Some(prop), "an event type's properties are not in order, once each")?;
                last_prop = Some(prop);
                let ty = match self.tag(2)? {
                    0 => PropertyType::String,
                    1 => PropertyType::Number,
                    _ => PropertyType::Boolean,
                };
                props.set(prop, ty);
            }
            vocab.set(name, props);
        }
        Ok(vocab)
    }

    /// A rule's id (added to `ids`), description, group and points (not zero).
    #[allow(clippy::type_complexity)]
    fn rule_head(
        &mut self,
        ctx: &Ctx<'_>,
        ids: &mut Vec<&'b str>,
    ) -> Result<(&'b str, Option<&'b str>, Option<usize>, Centi), Bad> {
        let id = self.id()?;
        ids.push(id);
        let description = self.description()?;
        let group = self.opt(|r| {
            let g = r.uint()?;
            check(g < ctx.groups as u64, "a rule names a group that is not defined")?;
            Ok(g as usize)
        })?;
        let points = self.points()?;
        check(points != 0, "a rule is worth 0 points")?;
        Ok((id, description, group, points))
    }

    fn engagement_rule(&mut self, ctx: &Ctx<'_>, ids: &mut Vec<&'b str>) -> Result<EngagementRule, Bad> {
        let (id, description, group, points) = self.rule_head(ctx, ids)?;
        let matcher = self.matcher(ctx)?;
        let award = match self.tag(6)? {
            0 => {
                let cap = self.opt(Self::positive_points)?;
                let once = self.flag()?;
                check(!(once && cap.is_some()), "a rule has both \"once\" and \"cap\"")?;
                Award::PerOccurrence { cap, once }
            }
            1 => Award::Frequency { at_least: self.count()?, within: self.duration()? },
            3 => Award::Every { every: self.count()?, within: self.duration()?, cap: self.opt(Self::positive_points)? },
            5 => {
                let (at_least, within, utc_offset) = (self.count()?, self.duration()?, self.int()?);
                let whole_minutes = utc_offset % 60_000 == 0;
                check(whole_minutes && utc_offset.abs() <= MAX_UTC_OFFSET_MS, "a UTC offset is out of range")?;
                Award::Days { at_least, within, utc_offset }
            }
            6 => Award::Sequence { then: self.matcher(ctx)?, within: self.duration()? },
            4 => {
                let property = self.number_property(ctx, &matcher)?;
                let cap = self.opt(Self::positive_points)?;
                let once = self.flag()?;
                check(!(once && cap.is_some()), "a rule has both \"once\" and \"cap\"")?;
                Award::PerUnit { property, cap, once }
            }
            _ => {
                let property = self.number_property(ctx, &matcher)?;
                let at_least_milli = self.int()?;
                check((1..=MAX_SUM_MILLI).contains(&at_least_milli), "a sum's atLeast is out of range")?;
                Award::Sum { property, at_least_milli, within: self.duration()? }
            }
        };
        let recency = Recency { half_life: self.duration()?, expire_after: self.duration()? };
        Ok(EngagementRule {
            id: id.into(),
            description: description.map(Into::into),
            group,
            matcher,
            points,
            award,
            recency,
        })
    }

    /// The property a sum or points-per-unit rule reads a number from: a field path,
    /// declared a number for each of the rule's types when there is a vocabulary.
    fn number_property(&mut self, ctx: &Ctx<'_>, matcher: &EventMatcher) -> Result<FieldPath, Bad> {
        let property = FieldPath::parse(self.filled(MAX_RULE_TEXT_LEN)?).map_err(|_| "a rule's property")?;
        if let Some(vocab) = ctx.vocabulary {
            for t in &matcher.types {
                let ty = vocab.get(t).and_then(|props| props.get(property.first()));
                check(ty == Some(&PropertyType::Number), "a rule's property is not a declared number")?;
            }
        }
        Ok(property)
    }

    fn matcher(&mut self, ctx: &Ctx<'_>) -> Result<EventMatcher, Bad> {
        let types = self.list(usize::MAX, true, |r| {
            let t = r.text(usize::MAX)?;
            check(!t.is_empty(), "an event type is empty")?;
            Ok(Box::<str>::from(t))
        })?;
        let names: Vec<&str> = types.iter().map(|t| &**t).collect();
        check(first_of_each(&names).iter().all(|first| *first), "an event type is listed twice")?;
        let filter = self.opt(|r| r.condition(0))?;
        // That the properties a filter reads are declared is not checked again: scoring
        // does not rely on it, and it takes types × properties read.
        if let Some(vocab) = ctx.vocabulary {
            check(types.iter().all(|t| vocab.get(t).is_some()), "an event type is not declared in its vocabulary")?;
        }
        Ok(EventMatcher { types, filter })
    }

    fn stages(&mut self, ctx: &Ctx<'_>) -> Result<Stages, Bad> {
        let mql = self.opt(|r| {
            Ok(MqlStage {
                threshold: r.positive_points()?,
                min_fit: r.opt(Self::points)?,
                min_engagement: r.opt(Self::points)?,
            })
        })?;
        let sql = self.opt(|r| {
            let threshold = r.opt(Self::positive_points)?;
            let on = r.triggers(ctx, "stages.sql.on", false)?;
            check(threshold.is_some() || !on.is_empty(), "the SQL stage has no threshold and no trigger")?;
            Ok(SqlStage { threshold, on })
        })?;
        let pql =
            self.opt(|r| Ok(PqlStage { on: r.triggers(ctx, "stages.pql.on", true)?, min_fit: r.opt(Self::points)? }))?;
        Ok(Stages { mql, sql, pql, recycle: self.flag()? })
    }

    /// A stage's triggers, each with its path in the rule set (`stages.sql.on[0]`).
    fn triggers(&mut self, ctx: &Ctx<'_>, path: &str, filled: bool) -> Result<Vec<Trigger>, Bad> {
        let mut i = 0;
        self.list(usize::MAX, filled, |r| {
            let label = r.label()?.map(Into::into);
            let matcher = r.matcher(ctx)?;
            let trigger =
                Trigger { path: format!("{path}[{i}]"), label, matcher, at_least: r.count()?, within: r.duration()? };
            i += 1;
            Ok(trigger)
        })
    }

    fn bands(&mut self) -> Result<Vec<Band>, Bad> {
        let n = self.len(usize::MAX)?;
        check(n > 0, "it has no bands")?;
        let mut bands: Vec<Band> = Vec::with_capacity(n);
        for i in 0..n {
            let name = self.filled(MAX_ID_LEN)?;
            check(name != DISQUALIFIED_BAND, "a band has the name reserved for disqualified leads")?;
            let at_least = self.opt(Self::points)?;
            check(at_least.is_some() == (i + 1 < n), "a band other than the last has no atLeast, or the last has one")?;
            let prev = bands.last().and_then(|b| b.at_least);
            check(prev.zip(at_least).is_none_or(|(p, c)| c < p), "the bands are not in descending order")?;
            bands.push(Band { name: Arc::from(name), at_least });
        }
        let names: Vec<&str> = bands.iter().map(|b| &*b.name).collect();
        check(first_of_each(&names).iter().all(|first| *first), "a band is listed twice")?;
        Ok(bands)
    }

    fn condition(&mut self, depth: usize) -> Result<Condition, Bad> {
        check(depth <= MAX_CONDITION_DEPTH, "conditions nest deeper than 16 levels")?;
        Ok(match self.tag(3)? {
            t @ (0 | 1) => {
                let cs = self.list(MAX_LIST_LEN, true, |r| r.condition(depth + 1))?;
                if t == 0 {
                    Condition::All(cs)
                } else {
                    Condition::Any(cs)
                }
            }
            2 => Condition::Not(Box::new(self.condition(depth + 1)?)),
            _ => {
                let (field, test) = (self.field()?, self.test()?);
                check(test.other_field() != Some(&field), "a condition compares a field with itself")?;
                Condition::Leaf { field, test }
            }
        })
    }

    fn test(&mut self) -> Result<Test, Bad> {
        let texts = |r: &mut Self| r.list(MAX_LIST_LEN, true, |r| r.folded(true));
        Ok(match self.tag(20)? {
            0 => Test::Equals(self.scalar()?),
            t @ (1 | 2) => {
                let list = ScalarList::new(self.list(MAX_LIST_LEN, true, Self::scalar)?);
                if t == 1 {
                    Test::In(list)
                } else {
                    Test::NotIn(list)
                }
            }
            3 => Test::Contains(texts(self)?.iter().map(|t| Needle::new(t)).collect()),
            4 => Test::StartsWith(texts(self)?),
            5 => Test::EndsWith(texts(self)?),
            6 => Test::Word(texts(self)?.iter().map(|t| Needle::new(t)).collect()),
            7 => Test::Like(texts(self)?.iter().map(|t| Wildcard::new(t)).collect()),
            8 => Test::Gt(self.number()?),
            9 => Test::Gte(self.number()?),
            10 => Test::Lt(self.number()?),
            11 => Test::Lte(self.number()?),
            12 => {
                let (lo, hi) = (self.number()?, self.number()?);
                check(lo <= hi, "\"between\" has its high end first")?;
                Test::Between(lo, hi)
            }
            t @ (13 | 14) => Test::Exists(t == 14),
            16 => {
                // Looked at before it is read, so that no chain of these recurses.
                let numeric = matches!(self.bytes.get(self.at), Some(8..=12));
                check(numeric, "a number read from text is tested otherwise than by comparing numbers")?;
                Test::NumberFromText(Box::new(self.test()?))
            }
            17 => Test::EqualsField(self.field()?),
            18 => Test::SameDomainAs(self.field()?),
            t @ (19 | 20) => {
                let ms = self.int()?;
                check((1..=MAX_DURATION_MS).contains(&ms), "a duration is out of range")?;
                if t == 19 {
                    Test::WithinLast(ms)
                } else {
                    Test::WithinNext(ms)
                }
            }
            _ => {
                let mut escape = self.text(1)?.chars();
                let e = escape.next().filter(|&e| e.is_ascii_punctuation() && e != '*' && e != '?');
                let e = e.ok_or("a like pattern's escape is not one the compiler allows")?;
                let patterns = texts(self)?.iter().map(|t| Wildcard::escaped(t, e)).collect::<Result<Vec<_>, _>>();
                Test::Like(patterns.map_err(|_| "a like pattern uses its escape as the compiler does not allow")?)
            }
        })
    }

    fn scalar(&mut self) -> Result<Scalar, Bad> {
        Ok(match self.bytes.get(self.at) {
            Some(0) => {
                self.at += 1;
                Scalar::Text(self.folded(false)?)
            }
            Some(b @ (1 | 2)) => {
                let b = *b == 2;
                self.at += 1;
                Scalar::Bool(b)
            }
            _ => Scalar::Number(self.number()?),
        })
    }
}

/// What a rule is checked against while the rule set is read.
struct Ctx<'v> {
    vocabulary: Option<&'v Vocabulary>,
    /// How many groups the rule set defines.
    groups: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repository::repository_rule_sets;
    use crate::ruleset::compile_value;
    use serde_json::json;

    fn message(bytes: &[u8]) -> String {
        let e = read(bytes).map(|rs| rs.id).unwrap_err();
        assert_eq!(e.problem.code, CODE);
        e.problem.message
    }

    /// A rule set with every kind of thing the format writes.
    fn everything() -> RuleSet {
        compile_value(&json!({
            "schema": "leadscore.ruleset/v1", "id": "all.kinds", "version": "7", "description": "Every kind",
            "events": {"page_view": {"url": "string", "seconds": "number"}, "signup": {"plan": "string", "paid": "boolean"}},
            "groups": {"web": {"cap": 40.5}, "z": {}},
            "recency": {"halfLife": "30d"},
            "fit": [
                {"id": "f1", "points": 12.25, "group": "z", "description": "a fit rule", "when": {"all": [
                    {"field": "jobTitle", "word": ["VP", "Ärztin"]},
                    {"any": [{"field": "size", "between": [-0.0, 1e300]}, {"field": "size", "gt": 3.5}]},
                    {"not": {"field": "email", "like": ["*@GMAIL.*", "a**b?c*d"]}},
                    {"field": "country", "in": (0..40).map(|i| json!(format!("C{i}"))).chain([json!(1), json!(-0.0), json!(2.5), json!(true), json!("İstanbul")]).collect::<Vec<_>>()},
                    {"field": "x.y", "notIn": [false, 9007199254740993.0, ""]},
                    {"field": "s", "startsWith": "Ab"}, {"field": "s", "endsWith": ["z", "Y"]},
                    {"field": "s", "contains": "mid"}, {"field": "s", "equals": -4},
                    {"field": "s", "gte": -1}, {"field": "s", "lt": 0.1}, {"field": "s", "lte": 1e21},
                    {"field": "s", "exists": false}, {"field": "t", "exists": true},
                    {"field": "s", "like": ["a\\*b?", "!\\\\"], "escape": "\\"},
                    {"field": "n", "between": [1, 2.5], "read": "number"},
                    {"field": "email", "sameDomainAs": "company.website"}, {"field": "a.b", "equalsField": "c"},
                    {"field": "signedUpAt", "withinLast": "14d"}, {"field": "trialEndsAt", "withinNext": "3d"}
                ]}}
            ],
            "engagement": [
                {"id": "e1", "event": "page_view", "where": {"field": "url", "equals": "/pricing"}, "points": 15, "cap": 45, "group": "web"},
                {"id": "e2", "event": ["page_view", "signup"], "points": -3, "once": true, "recency": "none"},
                {"id": "e3", "event": "page_view", "points": 5, "count": {"atLeast": 3, "within": "7d"}, "recency": {"expireAfter": "90d"}},
                {"id": "e4", "event": "page_view", "points": 5, "sum": {"property": "seconds", "atLeast": 0.5}},
                {"id": "e5", "event": "page_view", "points": 10, "count": {"every": 3, "within": "30d"}, "cap": 30, "recency": {"expireAfter": "60d"}},
                {"id": "e6", "event": "signup", "points": -2, "count": {"every": 2}},
                {"id": "e7", "event": "page_view", "points": 0.5, "perUnit": "seconds", "cap": 30, "group": "web"},
                {"id": "e8", "event": "page_view", "points": -1.25, "perUnit": "seconds", "once": true, "recency": "none"},
                {"id": "e9", "event": "page_view", "points": 20, "days": {"atLeast": 3, "within": "14d", "utcOffset": "-05:30"}},
                {"id": "e10", "event": "signup", "points": 4, "days": {"atLeast": 2}},
                {"id": "e11", "event": "page_view", "where": {"field": "url", "like": "/pricing*"}, "points": 20, "then": {"event": "page_view", "where": {"field": "url", "equals": "/demo"}, "within": "7d"}, "recency": {"halfLife": "30d"}},
                {"id": "e12", "event": "signup", "points": -3, "then": {"event": ["signup", "page_view"]}}
            ],
            "total": {"max": 500, "floorAtZero": true},
            "disqualifiers": [
                {"id": "d1", "when": {"field": "email", "endsWith": "@test.com"}},
                {"id": "d2", "label": "never paid", "event": "signup", "where": {"field": "paid", "equals": false}, "description": "no"},
                {"id": "d3", "event": ["signup", "page_view"], "within": "90d"}
            ],
            "stages": {
                "mql": {"threshold": 50, "minFit": -10, "minEngagement": 5},
                "sql": {"threshold": 60, "on": [{"label": "signed up twice", "event": "signup", "where": {"field": "plan", "in": ["pro"]}, "atLeast": 2, "within": "1h"}]},
                "pql": {"on": [{"event": "signup"}], "minFit": 10},
                "recycle": true
            },
            "grades": {"fit": [60, 40, 0], "engagement": [80, 20, -5]},
            "bands": [{"name": "hot", "atLeast": 100}, {"name": "cold"}],
            "anonymousHistory": "ignore"
        }))
        .unwrap()
    }

    /// Compiled, written and loaded, every rule set is the one the compiler made
    /// (its every field, derived ones included, as Debug shows them), and writing
    /// it again gives the same bytes.
    #[test]
    fn every_rule_set_loads_as_compiled() {
        let mut all = repository_rule_sets();
        assert!(all.len() > 30, "{} rule sets", all.len());
        all.push(everything());
        for rs in &all {
            let bytes = write(rs, "0.1.0");
            let loaded = read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", rs.id));
            // Warnings are found in the JSON as written, not kept in the compiled form.
            let as_written = RuleSet { warnings: Vec::new(), ..rs.clone() };
            assert_eq!(format!("{loaded:?}"), format!("{as_written:?}"), "{}", rs.id);
            assert_eq!(write(&loaded, "0.1.0"), bytes, "{}", rs.id);
        }
    }

    #[test]
    fn the_header_names_the_format_and_the_writer() {
        let bytes = write(&everything(), "1.2.3");
        assert_eq!(bytes[..4], MAGIC);
        // Its rules use later features, so format 2 (format 1 otherwise: below).
        assert_eq!(bytes[4..6], [2, 0]);
        assert_eq!(bytes[6..12], *b"\x051.2.3");
        let len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
        assert_eq!(bytes.len(), 16 + len + 8);
    }

    #[test]
    fn foreign_bytes_are_not_a_compiled_rule_set() {
        assert!(message(b"").contains("no bytes are not a leadscore compiled rule set"));
        let m = message(b" {\"schema\": \"leadscore.ruleset/v1\"}");
        assert!(m.contains("not a leadscore compiled rule set") && m.contains("look like rule-set JSON"), "{m}");
        assert!(m.contains("leadscore compile --rules R.json --out R.lsc"), "{m}");
        for foreign in [&b"\x89PNG\r\n\x1a\n"[..], b"\0asm\x01\0\0\0", b"LSC", b"\x89LSD\x01\0"] {
            let m = message(foreign);
            assert!(m.contains("are not a leadscore compiled rule set") && !m.contains("JSON"), "{m}");
        }
    }

    #[test]
    fn every_truncation_is_refused() {
        let bytes = write(&everything(), "0.1.0");
        for n in 1..bytes.len() {
            let m = message(&bytes[..n]);
            assert!(m.contains("truncated"), "{n} bytes: {m}");
        }
        let mut longer = bytes.clone();
        longer.extend_from_slice(&bytes);
        let m = message(&longer);
        assert!(m.contains(&format!("{} bytes after its end", bytes.len())), "{m}");
    }

    /// Any one byte changed past the format version is caught, by the checksum or
    /// by the length it changes; changed in the version, as a version.
    #[test]
    fn every_changed_byte_is_refused() {
        let bytes = write(&everything(), "0.1.0");
        for at in 4..bytes.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut changed = bytes.clone();
                changed[at] ^= flip;
                let m = message(&changed);
                let said = ["checksum does not match", "truncated", "after its end", "format version"];
                assert!(said.iter().any(|s| m.contains(s)), "byte {at} ^ {flip:#x}: {m}");
            }
        }
    }

    #[test]
    fn newer_and_unknown_versions_say_so() {
        let mut bytes = write(&everything(), "9.0.0");
        bytes[4] = 3;
        let m = message(&bytes);
        assert!(m.contains("written by a newer format version 3 (by leadscore 9.0.0)"), "{m}");
        assert!(m.contains("reads up to format version 2"), "{m}");
        // A newer format may lay out the rest as it likes: only the mark and the version are read.
        assert!(message(&[0x89, b'L', b'S', b'C', 0xff, 0xff]).contains("newer format version 65535"));
        bytes[4] = 0;
        assert!(message(&bytes).contains("format version is 0"));
    }

    /// A rule set of the first language is written as it was before features were
    /// listed, so every engine that read format 1 still loads it.
    #[test]
    fn a_rule_set_without_later_features_is_format_one() {
        let rs = first_language();
        assert_eq!(features::used(&rs), Vec::<&str>::new());
        let bytes = write(&rs, "0.1.0");
        assert_eq!(bytes[4..6], [1, 0]);
        assert_eq!(bytes, seal(&write_rule_set(&rs), "0.1.0"));
        assert_eq!(write(&read(&bytes).unwrap(), "0.1.0"), bytes);
    }

    /// A rule set with the later features lists each, by name, in format 2.
    #[test]
    fn a_rule_set_with_later_features_lists_them() {
        let rs = everything();
        let used = features::used(&rs);
        assert_eq!(used, features::FEATURES.iter().map(|(name, _)| *name).collect::<Vec<_>>());
        let bytes = write(&rs, "0.1.0");
        assert_eq!(bytes[4..6], [2, 0]);
        // Refused by name by an engine without the feature: the same bytes with a
        // name it does not know in place of the first.
        let mut listed = Writer(Vec::new());
        listed.len(used.len());
        used.iter().enumerate().for_each(|(i, name)| listed.text(if i == 0 { "zzzUnknown" } else { name }));
        let rules = write_rule_set(&rs);
        let m = message(&seal_as(2, &[listed.0.as_slice(), &rules].concat(), "9.1.0"));
        assert!(m.contains("uses the feature `zzzUnknown`"), "{m}");
        // Written without its list, as format 1, it is refused, not scored without them.
        let m = message(&seal(&rules, "0.1.0"));
        assert!(m.contains("are not the ones its rules use"), "{m}");
    }

    /// A rule set of the first language, with a little of everything.
    fn first_language() -> RuleSet {
        compile_value(&json!({
            "schema": "leadscore.ruleset/v1", "id": "first.language", "version": "1",
            "recency": {"halfLife": "30d"},
            "fit": [{"id": "big", "points": 10, "when": {"field": "employees", "gte": 200}}],
            "engagement": [
                {"id": "pricing", "points": 5, "cap": 20, "event": "page_view", "where": {"field": "url", "like": "*/pricing*"}},
                {"id": "visits", "points": 8, "event": "visit", "count": {"atLeast": 3, "within": "7d"}}
            ],
            "disqualifiers": [{"id": "bounce", "event": "email_bounced"}],
            "stages": {"mql": {"threshold": 20}}
        }))
        .unwrap()
    }

    /// A feature this engine does not know is refused by name before any rule is
    /// read; a format 2 list must name one feature at least.
    #[test]
    fn an_unknown_feature_is_refused_by_name() {
        let rules = write_rule_set(&first_language());
        let mut listed = Writer(Vec::new());
        listed.len(1);
        listed.text("teleport");
        let bytes = seal_as(2, &[listed.0.as_slice(), &rules].concat(), "9.1.0");
        let m = message(&bytes);
        assert!(m.contains("uses the feature `teleport`, which this engine"), "{m}");
        assert!(m.contains("written by leadscore 9.1.0") && m.contains("update leadscore"), "{m}");
        let mut none = Writer(Vec::new());
        none.len(0);
        let m = message(&seal_as(2, &[none.0.as_slice(), &rules].concat(), "9.1.0"));
        assert!(m.contains("a list is empty"), "{m}");
        let mut odd = Writer(Vec::new());
        odd.len(1);
        odd.text("tele port");
        let m = message(&seal_as(2, &[odd.0.as_slice(), &rules].concat(), "9.1.0"));
        assert!(m.contains("a feature's name is not a word"), "{m}");
    }

    /// Bytes that pass the checksum but hold what the compiler never writes.
    #[test]
    fn made_up_rule_sets_are_refused() {
        let good = write_rule_set(&first_language());
        let refused = |payload: &[u8]| message(&seal(payload, "x"));
        assert!(read(&seal(&good, "x")).is_ok());
        // Cut short, or with more after it.
        assert!(refused(&good[..good.len() - 1]).contains("ends too soon"));
        assert!(refused(&[good.as_slice(), &[0]].concat()).contains("ends at byte"));
        // Conditions nested past the limit: not(not(...)) 10,000 deep.
        let mut deep = Writer(Vec::new());
        deep.text("x");
        deep.text("1");
        deep.flag(false);
        deep.flag(false);
        deep.len(0);
        deep.len(1);
        deep.text("r");
        deep.flag(false);
        deep.flag(false);
        deep.int(100);
        deep.0.extend(std::iter::repeat_n(2u8, 10_000));
        deep.0.push(3);
        deep.text("a");
        deep.0.push(14);
        assert!(refused(&deep.0).contains("nest deeper than 16"), "{}", refused(&deep.0));
        // A list longer than the bytes left: no room is made for it.
        let mut long = Writer(Vec::new());
        long.text("x");
        long.text("1");
        long.flag(false);
        long.flag(false);
        long.uint(u64::MAX);
        assert!(refused(&long.0).contains("ends too soon"));
    }

    /// Values out of the compiler's ranges, each written over a good rule set.
    #[test]
    fn values_the_compiler_refuses_are_refused() {
        let base = everything();
        let refused = |change: &dyn Fn(&mut RuleSet)| {
            let mut rs = base.clone();
            change(&mut rs);
            message(&write(&rs, "x"))
        };
        type Change = Box<dyn Fn(&mut RuleSet)>;
        let cases: Vec<(&str, Change)> = vec![
            ("outside ±1000000", Box::new(|rs| rs.fit[0].points = 100_000_001)),
            ("worth 0 points", Box::new(|rs| rs.fit[0].points = 0)),
            ("a group that is not defined", Box::new(|rs| rs.fit[0].group = Some(2))),
            ("used twice", Box::new(|rs| rs.engagement[1].id = "f1".into())),
            ("a character ids may not", Box::new(|rs| rs.id = "a@b".into())),
            ("is empty", Box::new(|rs| rs.version = " ".into())),
            ("fit and engagement rules", Box::new(|rs| rs.engagement[1].group = Some(1))),
            ("a duration is out of range", Box::new(|rs| rs.engagement[2].recency.expire_after = Some(0))),
            ("an atLeast count is out of range", Box::new(|rs| rs.stages.sql.as_mut().unwrap().on[0].at_least = 1001)),
            (
                "an atLeast count is out of range",
                Box::new(|rs| rs.engagement[4].award = Award::Every { every: 0, within: None, cap: None }),
            ),
            (
                "not more than 0",
                Box::new(|rs| rs.engagement[4].award = Award::Every { every: 3, within: None, cap: Some(0) }),
            ),
            (
                "both \"once\" and \"cap\"",
                Box::new(|rs| {
                    rs.engagement[7].award =
                        Award::PerUnit { property: FieldPath::parse("seconds").unwrap(), cap: Some(100), once: true }
                }),
            ),
            (
                "a UTC offset is out of range",
                Box::new(|rs| {
                    rs.engagement[8].award = Award::Days { at_least: 3, within: None, utc_offset: 86_400_000 }
                }),
            ),
            (
                "a UTC offset is out of range",
                Box::new(|rs| rs.engagement[8].award = Award::Days { at_least: 3, within: None, utc_offset: 1 }),
            ),
            (
                "not a declared number",
                Box::new(|rs| {
                    rs.engagement[6].award =
                        Award::PerUnit { property: FieldPath::parse("url").unwrap(), cap: None, once: false }
                }),
            ),
            (
                "not folded",
                Box::new(|rs| {
                    rs.fit[0].when = Condition::Leaf {
                        field: FieldPath::parse("a").unwrap(),
                        test: Test::StartsWith(vec!["Ab".into()]),
                    }
                }),
            ),
            ("not in descending order", Box::new(|rs| rs.grades.fit = [1, 1, 0])),
            ("or the last has one", Box::new(|rs| rs.bands[1].at_least = Some(0))),
            ("not declared", Box::new(|rs| rs.engagement[0].matcher.types = vec!["other".into()])),
            ("a band is listed twice", Box::new(|rs| rs.bands[1].name = "hot".into())),
            ("a list is empty", Box::new(|rs| rs.stages.pql.as_mut().unwrap().on.clear())),
            ("is listed twice", Box::new(|rs| rs.engagement[1].matcher.types = vec!["signup".into(), "signup".into()])),
            (
                "high end first",
                Box::new(|rs| {
                    rs.fit[0].when =
                        Condition::Leaf { field: FieldPath::parse("a").unwrap(), test: Test::Between(2.0, 1.0) }
                }),
            ),
        ];
        for (said, change) in cases {
            let m = refused(&*change);
            assert!(m.contains(said) && m.contains("not one the compiler writes"), "{said}: {m}");
        }
        // A rule set heavier than the cost bound allows.
        let heavy: Vec<Box<str>> = (0..2_000).map(|i| format!("t{i}").into()).collect();
        let costly = refused(&|rs| {
            for r in rs.engagement.iter_mut().filter(|r| r.matcher.types.len() == 1) {
                r.matcher.filter = Some(Condition::Leaf {
                    field: FieldPath::parse("url").unwrap(),
                    test: Test::Contains(heavy.iter().map(|t| Needle::new(t)).collect()),
                });
            }
        });
        assert!(costly.contains("more steps than the limit"), "{costly}");
    }

    /// Tens of thousands of groups, bands, declared types and types a rule looks at
    /// load in time in proportion (a check of each against each would take minutes
    /// here): what is unbounded in the form is checked by sorting or in one pass.
    #[test]
    fn large_rule_sets_load_in_proportionate_time() {
        let n = 50_000;
        let mut rs = everything();
        let names: Vec<String> = (0..n).map(|i| format!("g{i:06}")).collect();
        rs.groups = names.iter().map(|g| Group { name: g.as_str().into(), cap: None }).collect();
        rs.fit[0].group = Some(n - 1);
        rs.engagement[0].group = Some(0);
        rs.bands = names
            .iter()
            .enumerate()
            .map(|(i, b)| Band { name: b.as_str().into(), at_least: Some((n - i) as i64) })
            .collect();
        rs.bands.push(Band { name: "last".into(), at_least: None });
        let vocab = rs.vocabulary.as_mut().unwrap();
        for t in &names {
            vocab.set(t, crate::by_name::ByName::default());
        }
        rs.engagement[1].matcher.types = names.iter().map(|t| t.as_str().into()).collect();
        let bytes = write(&rs, "x");
        let loaded = read(&bytes).unwrap();
        assert_eq!(write(&loaded, "x"), bytes);
    }

    /// Folding folded text changes nothing, so the loader's check that a text is
    /// folded holds for every text the compiler folds.
    #[test]
    fn folding_is_idempotent() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            for text in [c.to_string(), format!("a{c}"), format!("{c}Σ"), format!("Σ{c} ")] {
                let once = fold(&text).into_owned();
                assert_eq!(fold(&once), once, "{:?}", text);
            }
        }
    }
}
