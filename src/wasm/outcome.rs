//! How answers cross to JavaScript: the MessagePack bytes of an outcome (see the
//! module's documentation), and the checks of the plain arguments that cross as
//! numbers.

use crate::error::{InputError, Problem, RuleSetError};
use crate::limits::MAX_INSTANT_MS;
use crate::wire::msgpack;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// An error as the package rebuilds it: its class's name and its problems.
#[derive(Serialize)]
struct ErrorData<'a> {
    name: &'static str,
    problems: &'a [Problem],
}

/// A failure, before it is written.
pub(crate) enum Failure {
    Input(InputError),
    RuleSet(RuleSetError),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Failure {
        Failure::Input(e)
    }
}

impl From<RuleSetError> for Failure {
    fn from(e: RuleSetError) -> Failure {
        Failure::RuleSet(e)
    }
}

/// `[true, result]` or `[false, error]` as MessagePack.
pub(crate) fn outcome<T: Serialize>(result: Result<T, Failure>) -> Vec<u8> {
    let written = match &result {
        Ok(value) => msgpack::to_vec(&(true, value)),
        Err(Failure::Input(e)) => error_bytes("InputError", std::slice::from_ref(&e.problem)),
        Err(Failure::RuleSet(e)) => error_bytes("RuleSetError", &e.problems),
    };
    written.unwrap_or_else(|e| {
        let problem = Problem::new("", "internal", format!("the answer could not be written: {e}"));
        error_bytes("InputError", std::slice::from_ref(&problem)).unwrap_or_default()
    })
}

fn error_bytes(name: &'static str, problems: &[Problem]) -> Result<Vec<u8>, msgpack::Error> {
    msgpack::to_vec(&(false, ErrorData { name, problems }))
}

/// A new object, or the bytes of the error that kept it from being made.
pub(crate) fn made<T: Into<JsValue>>(result: Result<T, Failure>) -> JsValue {
    match result {
        Ok(object) => object.into(),
        Err(e) => bytes_value(&outcome::<()>(Err(e))),
    }
}

/// Bytes as a JavaScript `Uint8Array` (a copy).
pub(crate) fn bytes_value(bytes: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(bytes).into()
}

/// Reads one whole value from bytes that `codec.js` wrote.
pub(crate) fn read_all<'b, T>(
    bytes: &'b [u8],
    read: impl FnOnce(&mut msgpack::Reader<'b>) -> Result<T, msgpack::Error>,
) -> Result<T, msgpack::Error> {
    let mut reader = msgpack::Reader::new(bytes);
    let value = read(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// Bytes that `codec.js` wrote and that do not read back: only a call that bypassed
/// the package's classes can send them.
pub(crate) fn unreadable(path: &str, what: &str, e: &msgpack::Error) -> InputError {
    InputError::new(path, "invalid", format!("{what} could not be read: {e}"))
}

/// `now`: a whole number of milliseconds since the epoch, within the range of a
/// `Date`. It crosses as an f64, so reading it costs no call back into JavaScript;
/// the package refuses what is not a number before the crossing would make it one.
pub(crate) fn now_of(now: f64) -> Result<i64, InputError> {
    if !now.is_finite() || now.fract() != 0.0 || now.abs() > MAX_INSTANT_MS as f64 {
        return Err(InputError::new(
            "now",
            "invalidTimestamp",
            format!(
                "now is {}: it must be a whole number of milliseconds since the epoch, within ±8.64e15",
                number_text(now)
            ),
        ));
    }
    Ok(now as i64)
}

/// A number as JavaScript shows it (`NaN`, `1.5`, `1e21`), by JavaScript itself:
/// formatting floats here would pull Rust's float printing into the module.
fn number_text(n: f64) -> String {
    js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_else(|_| "a number".into())
}
