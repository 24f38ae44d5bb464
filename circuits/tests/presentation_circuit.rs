//! The presentation circuit's shape (public inputs, constraint counts) and its satisfiability on
//! an honest witness, checked without Groth16.

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{
    circuit::{PresentationCircuit, PresentationWitness},
    claims,
    credential::{Credential, HolderSecret, Record, VaccinationRecord},
    date::{Day, DobInterval},
    merkle::Registry,
    Fr, Statement,
};

fn honest(depth: u32) -> (Statement, PresentationWitness) {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let secret = HolderSecret::random(&mut rng);
    let record = Record::Vaccination(VaccinationRecord {
        disease: "840539006".into(),
        vaccine: "J07BX03".into(),
        product: "EU/1/20/1528".into(),
        manufacturer: "ORG-100030215".into(),
        dose_number: 2,
        total_doses: 2,
        date: "2026-06-01".parse().unwrap(),
        country: "NL".into(),
        dob: DobInterval::parse("1990-04-12").unwrap(),
    });
    let cred = Credential::new(
        &record,
        "NL-RIVM",
        secret.holder_key(),
        "2027-06-01".parse().unwrap(),
        &mut rng,
    )
    .unwrap();
    let mut registry = Registry::new(depth, 3600).unwrap();
    registry.append(Fr::from(5u8), 0).unwrap();
    let index = registry.append(cred.commit(), 0).unwrap();
    let policy = claims::standard_vaccination("NL-RIVM").unwrap();
    let today: Day = "2026-11-21".parse().unwrap();
    let choices = policy.check(&cred, today).unwrap();
    let scope = Fr::from(99u8);
    let statement = Statement {
        root: registry.root(),
        today,
        challenge: Fr::from(123456u64),
        scope,
        nullifier: secret.nullifier(&scope),
        query_hash: policy.query_hash(&[]).unwrap(),
    };
    let witness = PresentationWitness {
        secret,
        credential: cred,
        path: registry.path(index).unwrap(),
        policy: policy.compile().unwrap(),
        choices,
    };
    (statement, witness)
}

fn setup_shape(depth: u32) -> (usize, usize, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    PresentationCircuit::blank(depth)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    (
        cs.num_constraints(),
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    )
}

#[test]
fn honest_witness_satisfies_and_inputs_follow_the_statement_order() {
    let (statement, witness) = honest(4);
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(4, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    assert_eq!(cs.which_is_unsatisfied().unwrap(), None);
    let mut expected = vec![Fr::from(1u8)];
    expected.extend(statement.to_field_elements());
    assert_eq!(cs.instance_assignment().unwrap(), expected);
    assert_eq!(cs.num_instance_variables(), Statement::NUM_INPUTS + 1);
}

#[test]
fn setup_and_prove_modes_give_the_same_shape() {
    let (statement, witness) = honest(4);
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(4, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    let prove = (
        cs.num_constraints(),
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    );
    assert_eq!(setup_shape(4), prove);
}

#[test]
fn constraint_counts_are_pinned() {
    let (c20, i20, _) = setup_shape(20);
    let (c32, i32_, _) = setup_shape(32);
    assert_eq!((i20, i32_), (8, 8));
    assert_eq!(c32 - c20, 12 * 242, "a Merkle level costs 242 constraints");
    assert_eq!(c20, 8_643);
    assert_eq!(c32, 11_547);
    assert!(c32 <= 12_000, "the design budget at depth 32");
}
