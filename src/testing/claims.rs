//! Claim fixtures (feature `test-utils`; never for production): an insurer's registry with a
//! holder's coverage, a provider registry for its treatments, the insurer's two policies, and
//! one seeded claim key set per process and registry depth.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use rand_chacha::ChaCha20Rng;

use super::{noon, rng, today, WINDOW};
use crate::{
    circuits::{
        circuit::{ClaimCircuit, ClaimWitness},
        claim::{claim_nullifier, claim_query_hash, ClaimStatement},
        credential::{Credential, HolderSecret},
        merkle::MerklePath,
        opening::CredentialOpening,
        policy::{Condition, Operand, Operator, Policy},
        CircuitId, Fr, Scope,
    },
    prover::{setup_circuit, ClaimRequest, Held, Prover, ProverError},
    records::{claims::Claims, schema::treatment, CoverageRecord, Record, TreatmentRecord},
    registry::Registry,
    verifier::{ClaimPresentation, ClaimVerifier, Expected, IssuerRoots, LocalRoots},
};

/// The insurer: its registry holds coverage credentials, and it settles claims.
pub const INSURER: &str = "NL-ZILVERENKRUIS";
/// The provider registry, where treatments are recorded.
pub const PROVIDERS: &str = "NL-ZORGREGISTER";

/// The shared claim prover for a registry depth (one seeded setup per depth and process).
pub fn prover_at(depth: u32) -> &'static Prover {
    static P: OnceLock<Mutex<HashMap<u32, &'static Prover>>> = OnceLock::new();
    let mut map = P.get_or_init(Default::default).lock().unwrap();
    map.entry(depth).or_insert_with(|| {
        Box::leak(Box::new(Prover::new(
            setup_circuit::<ClaimCircuit, _>(depth, &mut rng(2))
                .unwrap()
                .0,
        )))
    })
}

pub use crate::records::testing::{coverage_record, treatment_record};

/// The insurer's policies: an active coverage of its own; a treatment of at most 1,000.00,
/// disclosing the amount and the category.
pub fn policies() -> (Policy, Policy) {
    let cov = Claims::coverage(INSURER)
        .payer_is(INSURER)
        .status_active()
        .build()
        .unwrap();
    let mut trt = Policy::new(treatment::SCHEMA, PROVIDERS);
    trt.conditions = vec![Condition::new(
        treatment::AMOUNT,
        Operator::Le,
        vec![Operand::Number(100_000)],
    )];
    trt.disclose = vec![treatment::CATEGORY, treatment::AMOUNT];
    (cov, trt)
}

/// The insurer's claims scope.
pub fn scope() -> Scope {
    Scope::named(INSURER, "2026-claims").unwrap()
}

/// What the insurer expects of a claim for `challenge`, today.
pub fn expected(challenge: u64) -> Expected {
    Expected {
        challenge: Fr::from(challenge),
        scope: scope().value(),
        today: today(),
        now_unix_secs: noon(today()),
    }
}

/// The insurer's registry and the provider registry at one depth, a holder with a coverage in
/// the first.
pub struct ClaimWorld {
    pub depth: u32,
    pub insurer: Registry,
    pub providers: Registry,
    pub secret: HolderSecret,
    pub coverage: (Credential, u64),
    rng: ChaCha20Rng,
}

impl ClaimWorld {
    pub fn new(depth: u32) -> Self {
        Self::with_coverage(depth, coverage_record())
    }

    pub fn with_coverage(depth: u32, record: CoverageRecord) -> Self {
        let mut rng = rng(16);
        let secret = HolderSecret::random(&mut rng);
        let at = noon(today()) - 86_400;
        let mut insurer = Registry::new(depth, WINDOW).unwrap();
        let mut providers = Registry::new(depth, WINDOW).unwrap();
        // Someone else's leaves first.
        insurer.append(Fr::from(5u8), at).unwrap();
        providers.append(Fr::from(6u8), at).unwrap();
        let coverage = Credential::new(
            &Record::Coverage(record),
            INSURER,
            secret.holder_key(),
            "2027-06-30".parse().unwrap(),
            &mut rng,
        )
        .unwrap();
        let index = insurer.append(coverage.commit(), at).unwrap();
        ClaimWorld {
            depth,
            insurer,
            providers,
            secret,
            coverage: (coverage, index),
            rng,
        }
    }

    /// A credential of this holder (not yet in any registry).
    pub fn credential(&mut self, record: &Record, issuer: &str) -> Credential {
        Credential::new(
            record,
            issuer,
            self.secret.holder_key(),
            "2027-06-30".parse().unwrap(),
            &mut self.rng,
        )
        .unwrap()
    }

    /// A treatment record of this holder in the provider registry.
    pub fn treat(&mut self, record: TreatmentRecord) -> (Credential, u64) {
        let cred = self.credential(&Record::Treatment(record), PROVIDERS);
        let index = self
            .providers
            .append(cred.commit(), noon(today()) - 86_400)
            .unwrap();
        (cred, index)
    }

    pub fn verifier(&self) -> ClaimVerifier<LocalRoots, LocalRoots> {
        let (cov, trt) = policies();
        let roots = |r: &Registry, issuer| {
            IssuerRoots::new(issuer, LocalRoots::new(r.history().clone())).unwrap()
        };
        ClaimVerifier::new(
            prover_at(self.depth).artifact().verifying_key().clone(),
            cov,
            roots(&self.insurer, INSURER),
            trt,
            roots(&self.providers, PROVIDERS),
        )
        .unwrap()
    }

    /// Runs `f` on the holder's request to claim `treatment` for `challenge`.
    pub fn with_request<T>(
        &self,
        treatment: &(Credential, u64),
        challenge: u64,
        f: impl FnOnce(&ClaimRequest<'_>) -> T,
    ) -> T {
        let (cov_policy, trt_policy) = policies();
        let cov_path = self.insurer.path(self.coverage.1).unwrap();
        let trt_path = self.providers.path(treatment.1).unwrap();
        f(&ClaimRequest {
            secret: &self.secret,
            coverage: Held {
                credential: &self.coverage.0,
                path: &cov_path,
                policy: &cov_policy,
            },
            treatment: Held {
                credential: &treatment.0,
                path: &trt_path,
                policy: &trt_policy,
            },
            today: today(),
            challenge: Fr::from(challenge),
            scope: scope(),
        })
    }

    /// Proves the claim of `treatment` for `challenge`, with the seeded randomness `seed`.
    pub fn claim(
        &self,
        treatment: &(Credential, u64),
        challenge: u64,
        seed: u64,
    ) -> Result<ClaimPresentation, ProverError> {
        self.with_request(treatment, challenge, |req| {
            prover_at(self.depth).prove_claim_with_rng(req, &mut rng(seed))
        })
    }

    /// The claim circuit of `treatment` for `challenge`, checked natively.
    pub fn circuit(&self, treatment: &(Credential, u64), challenge: u64) -> ClaimCircuit {
        let (statement, witness) = self.with_request(treatment, challenge, |req| {
            prover_at(self.depth).prepare_claim(req).unwrap()
        });
        ClaimCircuit {
            depth: self.depth,
            statement: Some(statement),
            witness: Some(witness),
        }
    }

    /// A proof forced past the native pre-check: the statement a cheater would claim (both
    /// registries' current roots, the nullifier and query hash computed from the witness), the
    /// witness as given.
    pub fn force(&self, witness: ClaimWitness) -> ClaimPresentation {
        let (cov_policy, trt_policy) = policies();
        let query = |o: &CredentialOpening, p: &Policy| {
            p.query_hash(&p.disclosed_values(&o.credential)).unwrap()
        };
        let statement = ClaimStatement {
            root_coverage: self.insurer.root(),
            root_treatment: self.providers.root(),
            today: today(),
            challenge: Fr::from(9u8),
            scope: scope().value(),
            nullifier: claim_nullifier(
                &witness.secret,
                &witness.treatment.credential,
                &scope().value(),
            ),
            query_hash: claim_query_hash(
                query(&witness.coverage, &cov_policy),
                query(&witness.treatment, &trt_policy),
            ),
        };
        let proof = prover_at(self.depth)
            .prove_circuit(
                ClaimCircuit {
                    depth: self.depth,
                    statement: Some(statement),
                    witness: Some(witness.clone()),
                },
                &mut rng(99),
            )
            .unwrap();
        let vk = prover_at(self.depth).artifact().verifying_key();
        ClaimPresentation {
            circuit: CircuitId::Claim,
            depth: self.depth,
            key_id: vk.id(),
            statement,
            disclosed_coverage: cov_policy.disclosed_values(&witness.coverage.credential),
            disclosed_treatment: trt_policy.disclosed_values(&witness.treatment.credential),
            proof,
        }
    }

    /// The witness of a claim of `treatment` (a credential and its path), unchecked.
    pub fn witness(&self, treatment: &Credential, path: MerklePath) -> ClaimWitness {
        let (cov_policy, trt_policy) = policies();
        let opening = |c: &Credential, path, p: &Policy| CredentialOpening {
            credential: c.clone(),
            path,
            policy: p.compile().unwrap(),
            choices: p.check(c, today()).unwrap_or([0; 4]),
        };
        ClaimWitness {
            secret: self.secret.clone(),
            coverage: opening(
                &self.coverage.0,
                self.insurer.path(self.coverage.1).unwrap(),
                &cov_policy,
            ),
            treatment: opening(treatment, path, &trt_policy),
        }
    }
}
