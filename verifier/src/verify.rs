//! Groth16 verification of one proof against one statement.

use ark_bn254::{Bn254, G1Projective};
use ark_ec::pairing::{MillerLoopOutput, Pairing};
use ark_ff::One;
use zkhealth_circuits::{Fr, PublicInputs};

use crate::{
    pairing::{final_exponentiation, multi_miller_loop, Normalized},
    threads, Proof, VerifyError, VerifyingKey,
};

/// Verifies `proof` for `statement` under `key`.
///
/// First, before any pairing, the statement's circuit must be the key's
/// ([`VerifyError::WrongCircuit`]). The public inputs are
/// [`PublicInputs::to_field_elements`] (the only place their order is written). Returns
/// `Err(VerifyError::InvalidProof)` when the pairing check fails; a decoded [`Proof`] is already
/// known to hold valid subgroup points, so nothing else can fail here.
///
/// Checks `e(A, B) · e(Σ xᵢ·γᵢ, −γ) · e(C, −δ) = e(α, β)` with Miller loops, in which the lines
/// of −γ and −δ are the key's precomputed ones, and one final exponentiation.
///
/// The Miller loop splits into two independent products: the proof's pairs `(A, B)` (with `B`'s
/// lines computed here) and `(C, −δ)`, and the input pair `(L, −γ)` after the input
/// combination `L`. On a machine with two cores they run on two threads, which brings a
/// verification's wall time close to one pairing's (see the README, "Performance"); elsewhere
/// one 3-pair loop runs, which shares its squarings between the pairs.
pub fn verify<S: PublicInputs>(
    key: &VerifyingKey,
    statement: &S,
    proof: &Proof,
) -> Result<(), VerifyError> {
    verify_on(key, statement, proof, threads::two_cores())
}

/// [`verify`], with the Miller loop split over two threads or not.
fn verify_on<S: PublicInputs>(
    key: &VerifyingKey,
    statement: &S,
    proof: &Proof,
    two_threads: bool,
) -> Result<(), VerifyError> {
    check_circuit::<S>(key)?;
    let inputs = statement.to_field_elements();
    let lines = key.lines();
    let prepared_b = || <Bn254 as Pairing>::G2Prepared::from(proof.0.b);
    let input_point = || input_point(key, &Fr::one(), &inputs);
    let miller = if two_threads {
        let (proof_pairs, input_pair) = threads::join(
            || {
                let b = prepared_b();
                let c = Normalized::batch(&[proof.0.c.into()]);
                multi_miller_loop([(proof.0.a, &b)], c.into_iter().zip([&lines.delta_neg]))
            },
            || -> Result<_, VerifyError> {
                let l = Normalized::batch(&[input_point()?]);
                Ok(multi_miller_loop([], l.into_iter().zip([&lines.gamma_neg])))
            },
        );
        MillerLoopOutput(proof_pairs.0 * input_pair?.0)
    } else {
        let g1 = Normalized::batch(&[input_point()?, proof.0.c.into()]);
        multi_miller_loop(
            [(proof.0.a, &prepared_b())],
            g1.into_iter().zip([&lines.gamma_neg, &lines.delta_neg]),
        )
    };
    let result = final_exponentiation(miller).ok_or(VerifyError::InvalidProof)?;
    if result.0 == *key.alpha_beta() {
        Ok(())
    } else {
        Err(VerifyError::InvalidProof)
    }
}

/// [`VerifyError::WrongCircuit`] unless statements of type `S` are for the key's circuit.
pub(crate) fn check_circuit<S: PublicInputs>(key: &VerifyingKey) -> Result<(), VerifyError> {
    if S::CIRCUIT != key.circuit() {
        return Err(VerifyError::WrongCircuit {
            expected: key.circuit(),
            found: S::CIRCUIT,
        });
    }
    Ok(())
}

/// `c·γ₀ + Σ xᵢ·γᵢ` with the key's fixed-base tables (`c = 1` for one proof; the sum of the
/// random weights in a batch).
pub(crate) fn input_point(
    key: &VerifyingKey,
    constant: &Fr,
    inputs: &[Fr],
) -> Result<G1Projective, VerifyError> {
    let tables = key.input_tables();
    if tables.len() != inputs.len() {
        return Err(VerifyError::KeyInputCount {
            expected: inputs.len() + 1,
            got: tables.len() + 1,
        });
    }
    Ok(tables.combine(constant, inputs))
}

#[cfg(test)]
mod tests {
    use zkhealth_circuits::{date::Day, CircuitId, Error, Statement};

    use super::*;
    use crate::testkit;

    /// The presentation statement's inputs, labelled as the claim circuit's.
    struct ClaimLike(Statement);

    impl PublicInputs for ClaimLike {
        const CIRCUIT: CircuitId = CircuitId::Claim;
        const INPUT_NAMES: &'static [&'static str] = <Statement as PublicInputs>::INPUT_NAMES;

        fn to_field_elements(&self) -> Vec<Fr> {
            PublicInputs::to_field_elements(&self.0)
        }

        fn from_field_elements(inputs: &[Fr]) -> Result<Self, Error> {
            Statement::from_field_elements(inputs).map(ClaimLike)
        }
    }

    #[test]
    fn a_statement_of_another_circuit_is_refused_before_any_pairing() {
        let s = statement();
        // A valid proof of these very inputs: only the circuit label differs.
        let proof = testkit::prove(&s, 7);
        assert_eq!(
            verify(testkit::key(), &ClaimLike(s), &proof),
            Err(VerifyError::WrongCircuit {
                expected: CircuitId::Presentation,
                found: CircuitId::Claim
            })
        );
        assert_eq!(verify(testkit::key(), &s, &proof), Ok(()));
    }

    fn statement() -> Statement {
        Statement {
            root: Fr::from(1001u64),
            today: Day::from_civil(2025, 6, 1).unwrap(),
            challenge: Fr::from(1003u64),
            scope: Fr::from(1004u64),
            nullifier: Fr::from(1005u64),
            query_hash: Fr::from(1006u64),
        }
    }

    #[test]
    fn valid_proof_verifies() {
        let s = statement();
        let proof = testkit::prove(&s, 7);
        assert_eq!(verify(testkit::key(), &s, &proof), Ok(()));
    }

    #[test]
    fn proof_fails_for_a_statement_with_any_one_input_changed() {
        let s = statement();
        let proof = testkit::prove(&s, 7);
        let one = Fr::from(1u8);
        let changed = [
            Statement {
                root: s.root + one,
                ..s
            },
            // Changes both day-number and YYYYMMDD inputs.
            Statement {
                today: Day(s.today.0 + 1),
                ..s
            },
            Statement {
                challenge: s.challenge + one,
                ..s
            },
            Statement {
                scope: s.scope + one,
                ..s
            },
            Statement {
                nullifier: s.nullifier + one,
                ..s
            },
            Statement {
                query_hash: s.query_hash + one,
                ..s
            },
        ];
        for t in changed {
            assert_eq!(
                verify(testkit::key(), &t, &proof),
                Err(VerifyError::InvalidProof)
            );
            // Both ways of running the Miller loop, whatever this machine's cores.
            for two_threads in [false, true] {
                assert_eq!(
                    verify_on(testkit::key(), &t, &proof, two_threads),
                    Err(VerifyError::InvalidProof)
                );
            }
        }
        for two_threads in [false, true] {
            assert_eq!(verify_on(testkit::key(), &s, &proof, two_threads), Ok(()));
        }
    }

    #[test]
    fn a_proof_for_another_statement_does_not_verify() {
        let s = statement();
        let other = Statement {
            challenge: Fr::from(9u8),
            ..s
        };
        let proof = testkit::prove(&other, 8);
        assert_eq!(
            verify(testkit::key(), &s, &proof),
            Err(VerifyError::InvalidProof)
        );
        assert_eq!(verify(testkit::key(), &other, &proof), Ok(()));
    }
}
