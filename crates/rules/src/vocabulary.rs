//! A rule set's event vocabulary: the event types it declares, each with the types
//! of its properties.

use crate::by_name::ByName;
use serde_json::Value;

/// Declared event types, each with its declared property types.
pub type Vocabulary = ByName<ByName<PropertyType>>;

/// The declared type of an event property in a rule set's event vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    String,
    Number,
    Boolean,
}

impl PropertyType {
    pub fn parse(s: &str) -> Option<PropertyType> {
        match s {
            "string" => Some(PropertyType::String),
            "number" => Some(PropertyType::Number),
            "boolean" => Some(PropertyType::Boolean),
            _ => None,
        }
    }

    #[inline]
    pub fn admits(self, v: &Value) -> bool {
        match (self, v) {
            (_, Value::Null) => true,
            (PropertyType::String, Value::String(_)) => true,
            (PropertyType::Number, Value::Number(_)) => true,
            (PropertyType::Boolean, Value::Bool(_)) => true,
            (t, Value::Array(items)) => items.iter().all(|i| !i.is_array() && t.admits(i)),
            _ => false,
        }
    }
}
