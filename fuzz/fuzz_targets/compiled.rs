//! Compiled rule sets, as a page may be handed them: `Engine::from_compiled` of the
//! bytes as they are (the header and checksum refuse nearly all), and of the bytes
//! as a rule set sealed in a header and checksum that pass, of format 1
//! (`seal_compiled`) and of format 2, which lists the later features first
//! (`seal_compiled_listing`): that reaches every check of what the compiler guarantees. Nothing panics or hangs;
//! every refusal is a `compiledRuleSet` error; a rule set loaded writes back to the
//! same bytes (the form has one way to write each rule set), and scores every
//! example lead at the examples' `now` and at both ends of time with results that
//! serialise and add up.
#![no_main]

mod common;

use common::{check_result, example_leads, NOWS};
use leadscore::test_support::{seal_compiled, seal_compiled_listing};
use leadscore::Engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = Engine::from_compiled(data) {
        assert!(["compiledRuleSet", "tooLarge"].contains(&e.problem.code), "{e}");
    }
    for sealed in [seal_compiled(data), seal_compiled_listing(data)] {
        check_sealed(&sealed);
    }
});

fn check_sealed(sealed: &[u8]) {
    match Engine::from_compiled(sealed) {
        Err(e) => assert!(["compiledRuleSet", "tooLarge"].contains(&e.problem.code), "{e}"),
        Ok(engine) => {
            assert_eq!(engine.to_compiled(), sealed, "a loaded rule set writes back to other bytes");
            for lead in example_leads() {
                for now in NOWS {
                    let result = engine.score_json(lead, now).expect("an example lead is well formed");
                    check_result(&result);
                    let q = engine.qualify_json(lead, now).expect("an example lead is well formed");
                    assert_eq!((q.total, q.stage), (result.total, result.stage), "qualify and score disagree");
                }
            }
        }
    }
}
