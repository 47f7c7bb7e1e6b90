//! Reading a profile within its limits: only the fields a rule set reads are built
//! (see [`super::LeadFields`]); the rest are weighed and let go. Reading builds
//! nothing past the profile's weight limit and stops nothing short of the input's
//! end, so that a profile too large and too deep is called too deep, wherever in it
//! the two are.

use super::budget::{key_weight, Bounded, Budget, Read, TooDeep};
use super::{Key, Names};
use crate::limits::{MAX_PROFILE_BYTES, MAX_PROFILE_DEPTH};
use crate::profile::{ProfileRead, ProfileWeight};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Map;
use std::cell::Cell;
use std::fmt;

/// Reads a profile keeping the fields `0` names; see [`ProfileRead`].
pub(crate) struct ProfileSeed<'a>(pub &'a Names);

impl<'de> DeserializeSeed<'de> for ProfileSeed<'_> {
    type Value = ProfileRead;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ProfileRead, D::Error> {
        d.deserialize_any(self)
    }
}

/// The nesting a profile's field may have: the profile is one level, and a value
/// `MAX_PROFILE_DEPTH` keys or list positions from it is plain.
const FIELD_LEVELS: usize = MAX_PROFILE_DEPTH - 1;

/// A value that is not a profile (`name`, its JSON type), weighed for the depth limit.
fn not_a_profile(name: &'static str, read: Read) -> ProfileRead {
    let weight = match read {
        Read::TooDeep => ProfileWeight::TooDeep,
        _ => ProfileWeight::Within(0),
    };
    ProfileRead { fields: Err(name), weight }
}

/// A plain value where a profile should be (`name`, its JSON type).
fn plain<E: de::Error>(name: &'static str) -> Result<ProfileRead, E> {
    Ok(ProfileRead { fields: Err(name), weight: ProfileWeight::Within(0) })
}

impl<'de> Visitor<'de> for ProfileSeed<'_> {
    type Value = ProfileRead;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a profile")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ProfileRead, A::Error> {
        let left = Cell::new(MAX_PROFILE_BYTES);
        let budget = Budget::new(&left);
        let mut fields = Map::new();
        let mut over = !budget.take(2);
        let mut deep = false;
        while let Some(key) = map.next_key::<Key>()? {
            over |= !budget.take(key_weight(key.as_str().len()));
            let keep = !over && self.0.keeps(key.as_str());
            let field =
                Bounded { budget, levels: FIELD_LEVELS, too_deep: TooDeep::Refuse, keep, text_limit: usize::MAX };
            match map.next_value_seed(field)? {
                Read::Value(v) => {
                    if keep {
                        fields.insert(key.into_name().into(), v);
                    }
                }
                Read::TooHeavy => over = true,
                Read::TooDeep => deep = true,
            }
        }
        let weight = match (deep, over) {
            (true, _) => ProfileWeight::TooDeep,
            (false, true) => ProfileWeight::TooHeavy,
            (false, false) => ProfileWeight::Within(MAX_PROFILE_BYTES - left.get()),
        };
        Ok(ProfileRead { fields: Ok(fields), weight })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ProfileRead, A::Error> {
        let left = Cell::new(usize::MAX);
        let weigh = Bounded {
            budget: Budget::new(&left),
            levels: MAX_PROFILE_DEPTH,
            too_deep: TooDeep::Refuse,
            keep: false,
            text_limit: usize::MAX,
        };
        weigh.visit_seq(seq).map(|read| not_a_profile("a list", read))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<ProfileRead, E> {
        plain("a string")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<ProfileRead, E> {
        plain("a boolean")
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<ProfileRead, E> {
        plain("a number")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<ProfileRead, E> {
        plain("a number")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<ProfileRead, E> {
        plain("a number")
    }

    fn visit_unit<E: de::Error>(self) -> Result<ProfileRead, E> {
        plain("null")
    }

    fn visit_none<E: de::Error>(self) -> Result<ProfileRead, E> {
        self.visit_unit()
    }
}
