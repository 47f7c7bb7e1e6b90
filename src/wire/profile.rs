//! Reading a profile while measuring it: only the fields a rule set reads are built
//! (see [`super::LeadFields`]); the rest are measured for the limits and let go.

use super::{Key, Names};
use crate::limits::MAX_PROFILE_DEPTH;
use crate::profile::{json_size, ProfileRead};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Reads a profile keeping the fields `0` names; see [`ProfileRead`].
pub(crate) struct ProfileSeed<'a>(pub &'a Names);

impl<'de> DeserializeSeed<'de> for ProfileSeed<'_> {
    type Value = ProfileRead;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ProfileRead, D::Error> {
        Measure { depth: 0, keep: Some(self.0) }.deserialize(d)
    }
}

/// Reads a value `depth` levels into a profile for the size [`json_size`] gives it,
/// keeping nothing but, at the top (`keep`), the fields named.
struct Measure<'a> {
    depth: usize,
    keep: Option<&'a Names>,
}

impl Measure<'_> {
    fn inner(&self) -> Measure<'static> {
        Measure { depth: self.depth + 1, keep: None }
    }
}

/// A plain value other than text (`name`, its JSON type): not a profile, and 8
/// bytes toward the limits.
fn plain(name: &'static str) -> ProfileRead {
    ProfileRead { fields: Err(name), size: Some(8) }
}

/// What a value nested in a profile comes to: only its size counts.
fn sized(size: Option<usize>) -> ProfileRead {
    ProfileRead { fields: Err("nested"), size }
}

impl<'de> DeserializeSeed<'de> for Measure<'_> {
    type Value = ProfileRead;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ProfileRead, D::Error> {
        if self.depth > MAX_PROFILE_DEPTH {
            IgnoredAny::deserialize(d)?;
            return Ok(sized(None));
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Measure<'_> {
    type Value = ProfileRead;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ProfileRead, A::Error> {
        let mut fields = Map::new();
        let mut size = Some(2);
        while let Some(key) = map.next_key::<Key>()? {
            let key_size = key.as_str().len() + 4;
            let field_size = match self.keep {
                Some(keep) if keep.keeps(key.as_str()) => {
                    let v: Value = map.next_value()?;
                    let field_size = json_size(&v, self.depth + 1);
                    fields.insert(key.as_str().into(), v);
                    field_size
                }
                _ => map.next_value_seed(self.inner())?.size,
            };
            size = size.zip(field_size).map(|(s, f)| s + key_size + f);
        }
        Ok(ProfileRead { fields: Ok(fields), size })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ProfileRead, A::Error> {
        let mut size = Some(2);
        while let Some(item) = seq.next_element_seed(self.inner())? {
            size = size.zip(item.size).map(|(s, i)| s + i + 1);
        }
        Ok(ProfileRead { fields: Err("a list"), size })
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<ProfileRead, E> {
        Ok(ProfileRead { fields: Err("a string"), size: Some(s.len() + 2) })
    }

    numbers_and_booleans_are_wrong!(plain);

    fn visit_unit<E: de::Error>(self) -> Result<ProfileRead, E> {
        Ok(plain("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<ProfileRead, E> {
        self.visit_unit()
    }
}
