//! Runs one verification, one pairing or one of their parts `n` times, for counting
//! instructions with callgrind.
//!
//! Instruction counts do not depend on what else the machine is doing, so their ratio is the
//! structural cost of a verification against one pairing. `measure` is the only function
//! counted. What to run: `verify`, `pairing`, `verify-zero-inputs` (the same check with every
//! input zero), `miller-3` and `final-exp` (ours, as in a verification), `ark-miller-3`,
//! `ark-final-exp` and `ark-miller-1` (ark-ec's):
//!
//! ```text
//! cargo build --release -p zkhealth-verifier --example cost
//! for what in verify pairing; do
//!   taskset -c 0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     --toggle-collect='cost::measure' target/release/examples/cost $what 10
//! done
//! ```
//!
//! With one core (`taskset -c 0`) a verification runs one 3-pair Miller loop; with two, its two
//! Miller loops run on two threads.
//!
//! Each run prints callgrind's "Collected" total for `n` calls; divide by `n`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../src/testkit.rs"]
mod testkit;

use std::hint::black_box;

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::{
    pairing::{MillerLoopOutput, Pairing},
    AffineRepr, CurveGroup,
};
use zkhealth_circuits::{date::Day, Fr, Statement};
use zkhealth_verifier::{
    pairing::{self, FixedLines, Normalized},
    Proof, VerifyingKey,
};

/// What the parts of a verification work on, prepared outside the counted function: the
/// proof's points, a full-size input point, the key's lines, and a Miller loop's output.
struct Parts {
    l: G1Affine,
    fixed: [FixedLines; 2],
    prepared: [<Bn254 as Pairing>::G2Prepared; 2],
    miller: MillerLoopOutput<Bn254>,
    zero: Statement,
}

impl Parts {
    fn new(key: &VerifyingKey, proof: &Proof) -> Self {
        let vk = key.inner();
        let (gamma, delta) = (-vk.gamma_g2, -vk.delta_g2);
        let l = (vk.gamma_abc_g1[0] + vk.gamma_abc_g1[1] * -Fr::from(3u8)).into_affine();
        Parts {
            l,
            fixed: [gamma, delta].map(|q| FixedLines::new(q).unwrap()),
            prepared: [gamma, delta].map(<Bn254 as Pairing>::G2Prepared::from),
            miller: Bn254::multi_miller_loop([proof.0.a, l, proof.0.c], [proof.0.b, gamma, delta]),
            zero: Statement {
                root: Fr::from(0u8),
                today: Day(0),
                challenge: Fr::from(0u8),
                scope: Fr::from(0u8),
                nullifier: Fr::from(0u8),
                query_hash: Fr::from(0u8),
            },
        }
    }
}

/// The counted work: `n` runs of `what`.
#[inline(never)]
fn measure(
    what: &str,
    n: usize,
    key: &VerifyingKey,
    statement: &Statement,
    proof: &Proof,
    parts: &Parts,
) {
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    let Parts {
        l,
        fixed,
        prepared,
        miller,
        zero,
    } = parts;
    let (l, miller) = (*l, *miller);
    let (a, b, c) = (proof.0.a, proof.0.b, proof.0.c);
    for _ in 0..n {
        match what {
            "verify" => {
                zkhealth_verifier::verify(key, black_box(statement), black_box(proof)).unwrap()
            }
            // The same check with every input zero (and the proof then refused): the
            // difference to `verify` is the cost of full-size inputs.
            "verify-zero-inputs" => {
                let _ = black_box(zkhealth_verifier::verify(
                    key,
                    black_box(zero),
                    black_box(proof),
                ));
            }
            "pairing" => {
                let _ = black_box(Bn254::pairing(black_box(g1), black_box(g2)));
            }
            "miller-3" => {
                let b = <Bn254 as Pairing>::G2Prepared::from(black_box(b));
                let g1 = Normalized::batch(&[l.into_group(), c.into_group()]);
                let _ = black_box(pairing::multi_miller_loop(
                    [(a, &b)],
                    g1.into_iter().zip(fixed),
                ));
            }
            "ark-miller-3" => {
                let _ = black_box(Bn254::multi_miller_loop(
                    [a, l, c],
                    [
                        <Bn254 as Pairing>::G2Prepared::from(black_box(b)),
                        prepared[0].clone(),
                        prepared[1].clone(),
                    ],
                ));
            }
            "final-exp" => {
                black_box(pairing::final_exponentiation(black_box(miller)));
            }
            "ark-final-exp" => {
                black_box(Bn254::final_exponentiation(black_box(miller)));
            }
            "ark-miller-1" => {
                let _ = black_box(Bn254::multi_miller_loop([black_box(g1)], [black_box(g2)]));
            }
            other => panic!("unknown: {other}"),
        }
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
    let key = testkit::key();
    let parts = Parts::new(key, &proof);
    // The key builds its input tables at its first verification: not part of a verification.
    zkhealth_verifier::verify(key, &statement, &proof).unwrap();
    measure(&what, n, key, &statement, &proof, &parts);
}
