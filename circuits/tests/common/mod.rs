//! The known-answer vectors file shared by the vector tests (`../shared/vectors/`, computed with
//! circomlibjs 0.1.7 and zk-kit), read once and typed.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde::Deserialize;
use zkhealth_circuits::{field::fr_from_decimal, Fr};

/// The whole file.
#[derive(Deserialize)]
pub struct Vectors {
    pub field_modulus: String,
    pub poseidon: Vec<PoseidonCase>,
    pub merkle_zero_roots: Vec<String>,
    pub merkle: Vec<MerkleCase>,
}

/// One Poseidon known answer.
#[derive(Deserialize)]
pub struct PoseidonCase {
    pub inputs: Vec<String>,
    pub output: String,
}

/// One Merkle root known answer.
#[derive(Deserialize)]
pub struct MerkleCase {
    pub depth: u32,
    pub leaves: Vec<String>,
    pub root: String,
}

pub fn vectors() -> Vectors {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/poseidon_circomlib.json"
    );
    let text = std::fs::read_to_string(path).expect("vectors file beside the repository");
    serde_json::from_str(&text).expect("vectors parse")
}

/// A canonical decimal string as a field element.
pub fn fr(s: &str) -> Fr {
    fr_from_decimal(s).expect("canonical decimal")
}
