//! Leads read once and held in the module, as the package's `LeadSet` holds them
//! (docs/decisions/0006-leadset-leads-held-in-the-module.md).

use super::engine::read_leads;
use super::input::make_room;
use super::outcome::{made, outcome, Failure};
use crate::wire::LeadFields;
use crate::LeadSet;
use wasm_bindgen::prelude::*;

/// Bytes a held lead takes in the module per byte it took to send (the peers'
/// leads: 12 MB sent, 45 MB held).
const HELD_PER_SENT_BYTE: usize = 4;

#[wasm_bindgen(js_name = LeadSet)]
pub struct WasmLeadSet {
    pub(crate) inner: LeadSet,
}

#[wasm_bindgen(js_class = LeadSet)]
impl WasmLeadSet {
    /// A set holding `leads`: the set, or the bytes of an `InputError` naming the
    /// first lead that is not a lead by its index.
    pub fn create(leads: &[u8]) -> JsValue {
        let mut set = WasmLeadSet { inner: LeadSet::new() };
        made(set.add_all(leads).map(|()| set))
    }

    /// Adds leads after those held, all or none: the outcome of nothing, or of the
    /// error naming the first lead that is not a lead (the set is then as it was).
    pub fn add(&mut self, leads: &[u8]) -> Vec<u8> {
        outcome(self.add_all(leads))
    }

    pub fn length(&self) -> usize {
        self.inner.len()
    }

    pub fn events(&self) -> usize {
        self.inner.events()
    }

    /// Keeps the first `len` leads: the package undoes an `add` that failed in a
    /// later part of a long list.
    pub fn truncate(&mut self, len: usize) {
        self.inner.truncate(len);
    }
}

impl WasmLeadSet {
    fn add_all(&mut self, leads: &[u8]) -> Result<(), Failure> {
        make_room(leads.len().saturating_mul(HELD_PER_SENT_BYTE));
        let raw = read_leads(leads, &LeadFields::ALL)?;
        Ok(self.inner.add_raw(raw)?)
    }
}
