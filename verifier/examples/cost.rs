//! Runs one verification or one pairing `n` times, for counting instructions with callgrind.
//!
//! Instruction counts do not depend on what else the machine is doing, so their ratio is the
//! structural cost of a verification against one pairing. `measure` is the only function
//! counted:
//!
//! ```text
//! cargo build --release -p zkhealth-verifier --example cost
//! for what in verify pairing; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='cost::measure' \
//!     target/release/examples/cost $what 10
//! done
//! ```
//!
//! Each run prints callgrind's "Collected" total for `n` calls; divide by `n`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../src/testkit.rs"]
mod testkit;

use std::hint::black_box;

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use zkhealth_circuits::{date::Day, Fr, Statement};
use zkhealth_verifier::{Proof, VerifyingKey};

/// The counted work: `n` verifications or `n` pairings.
#[inline(never)]
fn measure(what: &str, n: usize, key: &VerifyingKey, statement: &Statement, proof: &Proof) {
    match what {
        "verify" => {
            for _ in 0..n {
                zkhealth_verifier::verify(key, black_box(statement), black_box(proof)).unwrap();
            }
        }
        "pairing" => {
            for _ in 0..n {
                let _ = black_box(Bn254::pairing(
                    black_box(G1Affine::generator()),
                    black_box(G2Affine::generator()),
                ));
            }
        }
        other => panic!("expected verify or pairing, got {other}"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "verify".into());
    let n: usize = args.next().map_or(10, |n| n.parse().expect("a count"));
    // Full-size inputs, as in a presentation: hashes and field elements, and a date.
    let statement = Statement {
        root: -Fr::from(3u8),
        today: Day::from_civil(2025, 6, 1).unwrap(),
        challenge: -Fr::from(5u8),
        scope: -Fr::from(7u8),
        nullifier: -Fr::from(11u8),
        query_hash: -Fr::from(13u8),
    };
    let proof = testkit::prove(&statement, 1);
    measure(&what, n, testkit::key(), &statement, &proof);
}
