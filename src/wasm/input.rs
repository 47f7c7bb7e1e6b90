//! Room in the module's memory for what the package sends: the bytes of a tracked
//! event are written straight into a buffer the module keeps (`inputRoom`), so a
//! `track` costs no allocation and no free for them (see
//! docs/decisions/0005-input-room-for-track.md); and a way to ask, before a large
//! input crosses, whether the memory can hold it at all (`canHold`).

use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// What the package writes for `track`: kept from call to call.
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Room for `len` bytes of input to `track`, grown or shrunk to that: its address
/// in the module's memory, valid until room is asked for again; 0 when the memory
/// cannot hold that much (the room is then left as it was).
#[wasm_bindgen(js_name = inputRoom)]
pub fn input_room(len: usize) -> usize {
    INPUT
        .try_with(|input| {
            input.try_borrow_mut().map_or(0, |mut bytes| {
                // Reserved first, so that a size the memory cannot hold is refused
                // rather than aborting the module.
                let more = len.saturating_sub(bytes.len());
                if bytes.try_reserve_exact(more).is_err() {
                    return 0;
                }
                bytes.resize(len, 0);
                bytes.shrink_to(len);
                bytes.as_ptr() as usize
            })
        })
        .unwrap_or(0)
}

/// Calls `f` with the first `len` bytes of the input room (fewer when the room is
/// smaller, which only a caller that skipped `inputRoom` can cause).
pub(crate) fn with_input<T>(len: usize, f: impl FnOnce(&[u8]) -> T) -> Option<T> {
    INPUT
        .try_with(|input| {
            let bytes = input.try_borrow().ok()?;
            Some(f(bytes.get(..len).unwrap_or_default()))
        })
        .ok()
        .flatten()
}

/// Whether the module's memory can make room for `len` bytes: reserved and given
/// back at once. The package asks before it hands the generated glue a large input,
/// whose own allocation would abort the module where the memory cannot grow; asked
/// for twice the input, so that what reading it keeps fits too. Room once made
/// stays: WebAssembly memory never shrinks, and the allocator keeps what is given
/// back.
#[wasm_bindgen(js_name = canHold)]
pub fn can_hold(len: usize) -> bool {
    let mut room = Vec::<u8>::new();
    let held = room.try_reserve_exact(len).is_ok();
    // The compiler may drop an allocation nothing reads, and answer yes.
    std::hint::black_box(room.as_mut_ptr());
    held
}

/// Puts call limits in force (see `crate::limits::CallLimits`): the outcome of
/// nothing, or of the error naming the value out of range. The package has checked
/// that each is a whole number within its type.
#[wasm_bindgen(js_name = setCallLimits)]
pub fn set_call_limits(max_input_bytes: usize, max_call_memory: usize, max_call_steps: f64) -> Vec<u8> {
    // A whole number below 2^53 (the package's check): the cast is exact.
    let limits = crate::limits::CallLimits { max_input_bytes, max_call_memory, max_call_steps: max_call_steps as u64 };
    super::outcome::outcome(limits.set().map_err(super::outcome::Failure::from))
}

/// The call limits in force, as `[maxInputBytes, maxCallMemory, maxCallSteps]`.
#[wasm_bindgen(js_name = callLimits)]
pub fn call_limits() -> Vec<f64> {
    let limits = crate::limits::CallLimits::get();
    // Steps above 2^53 are read as the nearest double: still "no limit to speak of".
    vec![limits.max_input_bytes as f64, limits.max_call_memory as f64, limits.max_call_steps as f64]
}

/// Where JSON text that the host's `JSON.parse` refused breaks the grammar, in the
/// words and at the line and column the reader gives natively
/// (`EOF while parsing an object (line 1, column 1)`); `undefined` when the scanner
/// finds nothing wrong (`leadscore_rules::json_place`). Only with the compiler: the
/// page module takes JSON text in `Session.restore` alone, and there the package gives
/// the host's words (1.8 KB gzip of the page module; docs/PERFORMANCE.md).
#[cfg(feature = "compiler")]
#[wasm_bindgen(js_name = jsonError)]
pub fn json_error(text: &str) -> Option<String> {
    leadscore_rules::json_place::first_error(text.as_bytes()).map(|e| e.to_string())
}

/// The module's memory, which the package writes the input room through.
#[wasm_bindgen(js_name = moduleMemory)]
pub fn module_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Has the allocator take `bytes` from the host in one step, and keep them free for
/// what comes next; when that made the module's memory grow, it takes half as much
/// again as the memory had, so that a set added to in many small lists grows its
/// memory a handful of times, not once per list. Left to itself the allocator grows
/// memory 64 KiB at a time, and in Node each growth past the first tens of MB set
/// off a full garbage collection of the JavaScript heap (a second set of 10,000
/// leads took 3.4 s to build instead of 0.13 s).
#[cfg(feature = "batch")]
pub(crate) fn make_room(bytes: usize) {
    let before = memory_bytes();
    if !reserve(bytes) || memory_bytes() == before {
        return;
    }
    reserve(bytes.saturating_add(before / 2));
}

/// Allocates `bytes` and frees them: whether the allocator could.
#[cfg(feature = "batch")]
fn reserve(bytes: usize) -> bool {
    let mut room: Vec<u8> = Vec::new();
    let got = room.try_reserve_exact(bytes).is_ok();
    // Kept from the optimizer, which may drop an allocation nothing uses.
    std::hint::black_box(&mut room);
    got
}

/// The size of the module's memory.
#[cfg(feature = "batch")]
fn memory_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size::<0>().saturating_mul(65_536);
    #[cfg(not(target_arch = "wasm32"))]
    return 0;
}
