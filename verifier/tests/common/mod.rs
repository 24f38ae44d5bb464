//! Shared fixtures for the integration tests: the tiny Groth16 circuit from `src/testkit.rs`
//! and a consistent policy, statement and presentation built on it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

#[path = "../../src/testkit.rs"]
mod testkit;

pub use testkit::*;

use zkhealth_circuits::{codes, date::Day, policy::Policy, Fr, Statement};
use zkhealth_records::schema::vaccination;
use zkhealth_registry::RootHistory;
use zkhealth_verifier::{Expected, IssuerRoots, LocalRoots, Presentation};

/// The verifier's clock: 2025-06-15T15:06:40Z.
pub const NOW: u64 = 1_750_000_000;
/// Freshness window of the fixture's root history.
pub const WINDOW: u64 = 3_600;

/// The issuer of the fixture's policy and roots.
pub const ISSUER: &str = "NL-RIVM";

/// Vaccination, issuer [`ISSUER`], no conditions, discloses the country (slot 7).
pub fn policy() -> Policy {
    let mut p = Policy::new(vaccination::SCHEMA, ISSUER);
    p.disclose = vec![vaccination::COUNTRY];
    p
}

/// The disclosed country.
pub fn country() -> Fr {
    codes::encode("NL").unwrap()
}

/// The root the fixture's presentations prove against (current in [`roots`]).
pub fn root() -> Fr {
    Fr::from(0xabcdu64)
}

/// A replaced root: published at `NOW - 2 * WINDOW`, replaced at `NOW - 2 * WINDOW + 10`, so
/// outside its freshness window at `NOW`.
pub fn stale_root() -> Fr {
    Fr::from(0x5a1eu64)
}

/// The accepted roots: `stale_root` then `root`.
pub fn roots() -> LocalRoots {
    let mut h = RootHistory::new(WINDOW);
    h.publish(stale_root(), NOW - 2 * WINDOW).unwrap();
    h.publish(root(), NOW - 2 * WINDOW + 10).unwrap();
    LocalRoots::new(h)
}

/// [`roots`], as the roots of [`ISSUER`].
pub fn issuer_roots() -> IssuerRoots<LocalRoots> {
    IssuerRoots::new(ISSUER, roots()).unwrap()
}

/// The verifier's expectations at [`NOW`].
pub fn expected() -> Expected {
    Expected::at(Fr::from(777u64), Fr::from(888u64), NOW).unwrap()
}

/// The verifier's date.
pub fn today() -> Day {
    expected().today
}

/// A statement the fixture verifier accepts, with the given nullifier.
pub fn statement(nullifier: u64) -> Statement {
    let e = expected();
    Statement {
        root: root(),
        today: e.today,
        challenge: e.challenge,
        scope: e.scope,
        nullifier: Fr::from(nullifier),
        query_hash: policy().query_hash(&[country()]).unwrap(),
    }
}

/// A valid presentation of `statement` disclosing `disclosed`.
pub fn present(statement: Statement, disclosed: Vec<Fr>) -> Presentation {
    Presentation {
        circuit: key().circuit(),
        depth: key().depth(),
        key_id: key().id(),
        statement,
        disclosed,
        proof: prove(&statement, 42),
    }
}

/// A valid presentation with the given nullifier.
pub fn valid(nullifier: u64) -> Presentation {
    present(statement(nullifier), vec![country()])
}
