//! The visitor methods every reader here shares: what a reader that wants one JSON
//! type answers when it meets another (the name of the type it found).

/// The visitor methods for JSON booleans and numbers: each answers
/// `$wrap(name of its type)`.
macro_rules! numbers_and_booleans_are_wrong {
    ($wrap:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($wrap("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($wrap("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($wrap("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($wrap("a number"))
        }
    };
}

/// The visitor methods for JSON booleans, numbers and strings.
macro_rules! scalars_are_wrong {
    ($wrap:expr) => {
        numbers_and_booleans_are_wrong!($wrap);
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($wrap("a string"))
        }
    };
}

/// The visitor methods for lists and `null`, for a reader that wants an object:
/// lists are consumed so the reader can go on.
macro_rules! lists_and_null_are_wrong {
    () => {
        lists_and_null_are_wrong!(Err);
    };
    ($wrap:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($wrap("a list"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap("null"))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap("null"))
        }
    };
}
