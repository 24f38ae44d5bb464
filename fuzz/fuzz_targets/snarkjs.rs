//! snarkjs files: `.r1cs` and `.wtns` (each round-tripped when it reads) and `.zkey` imports
//! against the presentation circuit at depth 1, whatever the bytes: a value or an error, never a
//! panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zkhealth_circuits::{circuit::PresentationCircuit, CircuitId};
use zkhealth_prover::{
    matrices::ConstraintMatrices,
    snarkjs::{r1cs::R1cs, wtns, zkey},
};

fn matrices() -> &'static ConstraintMatrices {
    static M: OnceLock<ConstraintMatrices> = OnceLock::new();
    M.get_or_init(|| {
        ConstraintMatrices::for_circuit::<PresentationCircuit>(1).expect("the circuit synthesizes")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(r1cs) = R1cs::from_bytes(data) {
        assert_eq!(R1cs::from_bytes(&r1cs.to_bytes()).ok(), Some(r1cs));
    }
    if let Ok(values) = wtns::from_bytes(data) {
        let again = wtns::to_bytes(&values).expect("what was read fits");
        assert_eq!(wtns::from_bytes(&again).ok(), Some(values));
    }
    let _ = zkey::import(data, CircuitId::Presentation, 1, matrices());
});
