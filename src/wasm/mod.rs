//! The WebAssembly binding (`--features wasm`): a thin translation between the npm
//! package's JavaScript (`pkg-template/`) and the core API. No scoring logic lives
//! here, and nothing here is the package's API: the package's own classes
//! (`pkg-template/api.js`) hold these objects privately and are what users call.
//!
//! Data crosses as MessagePack bytes: `pkg-template/codec.js` writes arguments and
//! reads answers, `crate::wire::msgpack` reads and writes them here, through the same
//! readers that read JSON text natively.
//!
//! Every call answers in one value and none throws. A call that can fail returns the
//! bytes of its outcome: `[true, result]`, or `[false, error]` where the error is
//! `{name: "InputError" | "RuleSetError", problems: [{path, code, message}]}`; a
//! constructor returns the new object or those error bytes. So an exception out of
//! the module can only mean that it trapped, which the package treats as the end of
//! the instance.

#[cfg(feature = "backtest")]
mod backtest;
mod engine;
mod input;
#[cfg(feature = "batch")]
mod lead_set;
mod outcome;
mod session;
