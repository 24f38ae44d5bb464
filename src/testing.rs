//! Shared test fixtures (feature `test-utils`; never for production): one seeded key set per
//! process and registry depth, and a world with an issuer registry, a holder and its
//! credentials. Keys come from a seeded development setup: anyone can forge proofs for them.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use crate::{
    circuits::{
        circuit::{PresentationCircuit, PresentationWitness},
        credential::{Credential, HolderSecret},
        date::Day,
        policy::Policy,
        Fr, Scope, Statement,
    },
    prover::{setup, ProveRequest, Prover, ProverError},
    records::{testing as records, Record},
    registry::Registry,
    verifier::{
        Expected, IssuerRoots, LocalRoots, MemoryNullifiers, Presentation, Verified, Verifier,
        VerifyError, VerifyingKey,
    },
};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

pub mod claims;

/// Registry depth for tests where depth does not matter.
pub const DEPTH: u32 = 6;
/// The issuer.
pub const ISSUER: &str = "NL-RIVM";
/// Root freshness window (seconds).
pub const WINDOW: u64 = 3_600;

/// The verifier's date in most tests.
pub fn today() -> Day {
    "2026-11-21".parse().unwrap()
}

/// Noon UTC of a day, in unix seconds.
pub fn noon(day: Day) -> u64 {
    (u64::from(day.0) - 25_567) * 86_400 + 43_200
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The shared prover at [`DEPTH`] (setup once per test binary, seeded: tests only).
pub fn prover() -> &'static Prover {
    prover_at(DEPTH)
}

/// The shared prover for a registry depth (one seeded setup per depth and process).
pub fn prover_at(depth: u32) -> &'static Prover {
    static P: OnceLock<Mutex<HashMap<u32, &'static Prover>>> = OnceLock::new();
    let mut map = P.get_or_init(Default::default).lock().unwrap();
    map.entry(depth)
        .or_insert_with(|| Box::leak(Box::new(Prover::new(setup(depth, &mut rng(1)).unwrap().0))))
}

pub fn vk() -> &'static VerifyingKey {
    prover().artifact().verifying_key()
}

/// A second dose of Comirnaty on `dose_day` for someone born on `dob`.
pub fn vaccination_record(dob: &str, dose_day: Day) -> Record {
    records::vaccination(dob, dose_day)
}

/// A Dutch national born on `dob`.
pub fn identity_record(dob: &str) -> Record {
    records::identity(dob)
}

/// Basic Dutch health insurance for 2026.
pub fn coverage_record() -> Record {
    records::coverage()
}

/// A holder's credential in a registry.
#[derive(Clone)]
pub struct Held {
    pub credential: Credential,
    pub index: u64,
}

/// An issuer registry, a holder and some credentials.
pub struct World {
    pub depth: u32,
    pub registry: Registry,
    pub secret: HolderSecret,
    pub issued_at: u64,
    rng: ChaCha20Rng,
}

impl World {
    pub fn new(seed: u64) -> Self {
        Self::with_depth(seed, DEPTH)
    }

    pub fn with_depth(seed: u64, depth: u32) -> Self {
        let mut rng = rng(seed);
        let secret = HolderSecret::random(&mut rng);
        let mut registry = Registry::new(depth, WINDOW).unwrap();
        let issued_at = noon(today()) - 86_400;
        // Someone else's credential first, so the holder's leaf is not at index 0.
        registry.append(Fr::from(12_345u64), issued_at).unwrap();
        World {
            depth,
            registry,
            secret,
            issued_at,
            rng,
        }
    }

    /// Issues a credential to this world's holder.
    pub fn issue(&mut self, record: &Record, expiry: &str) -> Held {
        self.issue_naming(ISSUER, record, expiry)
    }

    /// Commits to this world's registry (the registry of [`ISSUER`]) a credential for this
    /// world's holder that names `issuer`: what any registry operator can do, since a registry
    /// does not bind the issuer.
    pub fn issue_naming(&mut self, issuer: &str, record: &Record, expiry: &str) -> Held {
        let credential = Credential::new(
            record,
            issuer,
            self.secret.holder_key(),
            expiry.parse().unwrap(),
            &mut self.rng,
        )
        .unwrap();
        let index = self
            .registry
            .append(credential.commit(), self.issued_at)
            .unwrap();
        Held { credential, index }
    }

    pub fn vaccination(&mut self) -> Held {
        let dose = today().checked_sub(60).unwrap();
        self.issue(&vaccination_record("1990-04-12", dose), "2027-06-01")
    }

    /// Proves `policy` about `held` for the verifier's date, challenge and scope.
    /// Runs `f` on the prove request for `held` and `policy` with the verifier's date,
    /// challenge and scope (the path is the registry's current one).
    pub fn with_request<T>(
        &self,
        held: &Held,
        policy: &Policy,
        (today, challenge, scope): (Day, Fr, Scope),
        f: impl FnOnce(&ProveRequest<'_>) -> T,
    ) -> T {
        let path = self.registry.path(held.index).unwrap();
        f(&ProveRequest {
            secret: &self.secret,
            credential: &held.credential,
            path: &path,
            policy,
            today,
            challenge,
            scope,
        })
    }

    pub fn present(
        &self,
        held: &Held,
        policy: &Policy,
        today: Day,
        challenge: Fr,
        scope: Scope,
    ) -> Result<Presentation, ProverError> {
        self.with_request(held, policy, (today, challenge, scope), |req| {
            prover_at(self.depth).prove_with_rng(req, &mut rng(challenge_seed(&challenge)))
        })
    }

    /// This world's registry's roots: [`ISSUER`]'s.
    pub fn roots(&self) -> IssuerRoots<LocalRoots> {
        self.roots_as(ISSUER)
    }

    /// This world's registry's roots, labelled as `issuer`'s.
    pub fn roots_as(&self, issuer: &str) -> IssuerRoots<LocalRoots> {
        IssuerRoots::new(issuer, LocalRoots::new(self.registry.history().clone())).unwrap()
    }

    /// A verifier for `policy` (which must be [`ISSUER`]'s) with this world's roots.
    pub fn verifier(&self, policy: &Policy) -> Verifier<LocalRoots> {
        self.verifier_with(policy, self.roots()).unwrap()
    }

    /// A verifier for `policy` with the roots `roots`.
    pub fn verifier_with(
        &self,
        policy: &Policy,
        roots: IssuerRoots<LocalRoots>,
    ) -> Result<Verifier<LocalRoots>, VerifyError> {
        let vk = prover_at(self.depth).artifact().verifying_key();
        Verifier::new(vk.clone(), policy.clone(), roots)
    }

    /// Proves and verifies in one go, with a fresh nullifier store.
    pub fn round_trip(
        &self,
        held: &Held,
        policy: &Policy,
        today: Day,
    ) -> Result<Verified, VerifyError> {
        let (challenge, scope) = (Fr::from(777u64), event_scope(888));
        let p = self
            .present(held, policy, today, challenge, scope)
            .map_err(|e| VerifyError::InvalidVerifierInput(format!("prover refused: {e}")))?;
        self.verifier(policy).verify_presentation(
            &p,
            &expected(challenge, scope, today),
            &mut MemoryNullifiers::new(),
        )
    }

    /// A witness with the honest statement for `held` and `policy`, for tests that then tamper
    /// with one value and force a proof through without the native pre-check.
    pub fn honest_parts(
        &self,
        held: &Held,
        policy: &Policy,
        today: Day,
        challenge: Fr,
        scope: Scope,
    ) -> (Statement, PresentationWitness) {
        self.with_request(held, policy, (today, challenge, scope), |req| {
            prover_at(self.depth).prepare(req).unwrap()
        })
    }
}

fn challenge_seed(c: &Fr) -> u64 {
    let bytes = crate::circuits::field::fr_to_bytes_be(c);
    u64::from_be_bytes(bytes[24..].try_into().unwrap())
}

/// The scope of the test verifier's event `n`.
pub fn event_scope(n: u64) -> Scope {
    Scope::named("test-verifier", &format!("event-{n}")).unwrap()
}

/// What the verifier expects: its challenge, its scope (a [`Scope`] or its value), its date.
pub fn expected(challenge: Fr, scope: impl Into<Fr>, today: Day) -> Expected {
    Expected {
        challenge,
        scope: scope.into(),
        today,
        now_unix_secs: noon(today),
    }
}

/// Proves a circuit without the native pre-check.
pub fn force_proof(statement: Statement, witness: PresentationWitness) -> Presentation {
    let proof = prover()
        .prove_circuit(
            PresentationCircuit::new(DEPTH, statement, witness.clone()),
            &mut rng(99),
        )
        .unwrap();
    Presentation {
        circuit: vk().circuit(),
        depth: vk().depth(),
        key_id: vk().id(),
        statement,
        disclosed: vec![],
        proof,
    }
}
