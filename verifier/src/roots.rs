//! Root sources: which registry roots a verifier accepts, and when.
//!
//! A proof is made against one registry root. The verifier asks a [`RootSource`] whether that
//! root is accepted at its own time: the current root always is, a replaced root only within the
//! freshness window counted from its latest replacement, an invalidated root (or one of an
//! issuer epoch invalidated by a rotation) never (see [`RootHistory::is_accepted`]).
//! [`LocalRoots`] answers from a snapshot of the history (offline checkpoints); an on-chain
//! source reading the registry contract implements the same trait.
//!
//! # Whose roots
//!
//! A registry does not bind the issuer: a credential names its issuer (a code such as
//! `NL-RIVM`), and that code reaches a presentation only through the policy's query hash. Any
//! registry operator can commit credentials naming another issuer, and a proof against its root
//! then satisfies a policy for that other issuer. A root source therefore speaks for one issuer
//! only: [`IssuerRoots`] pairs a source with the issuer whose registry it reads, and
//! [`Verifier::new`](crate::Verifier::new) refuses a policy for any other issuer
//! ([`VerifyError::IssuerRootsMismatch`]).

use serde::{Deserialize, Serialize};
use zkhealth_circuits::{codes, Fr};
use zkhealth_registry::RootHistory;

use crate::VerifyError;

/// Answers whether a registry root is accepted at a given time.
pub trait RootSource {
    /// Whether a proof against `root` is accepted at `now_unix_secs`. Errors mean the source
    /// could not answer (for instance a remote node is unreachable), not that the root is
    /// refused.
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError>;
}

impl<T: RootSource + ?Sized> RootSource for &T {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        (**self).is_accepted(root, now_unix_secs)
    }
}

impl<T: RootSource + ?Sized> RootSource for Box<T> {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        (**self).is_accepted(root, now_unix_secs)
    }
}

/// The root source that speaks for this issuer: a [`RootSource`] reading the registry of the
/// issuer `issuer` (a code, e.g. `NL-RIVM`), and of no other.
///
/// A verifier checks a policy for an issuer only against that issuer's roots (see the
/// [module docs](self)); the pairing is the verifier's configuration, which nothing in a
/// registry or a presentation can vouch for.
///
/// JSON, for `IssuerRoots<LocalRoots>` ([`Self::from_json`], [`Self::to_json`]):
/// `{"issuer": "NL-RIVM", "roots": <the RootHistory JSON>}`, no other field; the issuer code and
/// the history are validated on decoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "IssuerRootsFile<R>",
    bound(deserialize = "R: Deserialize<'de>")
)]
pub struct IssuerRoots<R> {
    issuer: String,
    #[serde(rename = "roots")]
    source: R,
}

/// [`IssuerRoots`] as read, before its issuer code is validated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerRootsFile<R> {
    issuer: String,
    roots: R,
}

impl<R> TryFrom<IssuerRootsFile<R>> for IssuerRoots<R> {
    type Error = String;

    fn try_from(f: IssuerRootsFile<R>) -> Result<Self, String> {
        codes::encode(&f.issuer).map_err(|e| format!("issuer: {e}"))?;
        Ok(IssuerRoots {
            issuer: f.issuer,
            source: f.roots,
        })
    }
}

impl<R> IssuerRoots<R> {
    /// `source`, speaking for the issuer `issuer`. Fails with
    /// [`VerifyError::InvalidVerifierInput`] if `issuer` is not a valid code
    /// ([`codes::encode`]).
    pub fn new(issuer: &str, source: R) -> Result<Self, VerifyError> {
        codes::encode(issuer).map_err(|e| {
            VerifyError::InvalidVerifierInput(format!("issuer of a root source: {e}"))
        })?;
        Ok(IssuerRoots {
            issuer: issuer.to_string(),
            source,
        })
    }

    /// The issuer whose roots these are.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The root source.
    pub fn source(&self) -> &R {
        &self.source
    }

    /// The root source, to refresh a snapshot.
    pub fn source_mut(&mut self) -> &mut R {
        &mut self.source
    }

    /// The root source, without its issuer.
    pub fn into_source(self) -> R {
        self.source
    }
}

impl IssuerRoots<LocalRoots> {
    /// Decodes a snapshot file from JSON (see the [type docs](Self)).
    pub fn from_json(json: &str) -> Result<Self, VerifyError> {
        Ok(serde_json::from_str(json)?)
    }

    /// The snapshot file as JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data (a code, numbers, hex strings) into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl<R: RootSource> RootSource for IssuerRoots<R> {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        self.source.is_accepted(root, now_unix_secs)
    }
}

/// A local snapshot of an issuer's root history; a verifier takes it with the issuer it belongs
/// to, as an [`IssuerRoots`].
///
/// JSON: exactly the [`RootHistory`] JSON (`{"window_secs": …, "entries": […]}`, with
/// `"rotations": […]` once the issuer was rotated), validated on decoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalRoots {
    history: RootHistory,
}

impl LocalRoots {
    /// A snapshot of `history`.
    pub fn new(history: RootHistory) -> Self {
        LocalRoots { history }
    }

    /// The snapshot.
    pub fn history(&self) -> &RootHistory {
        &self.history
    }

    /// Replaces the snapshot with a newer one.
    pub fn update(&mut self, history: RootHistory) {
        self.history = history;
    }

    /// Decodes a snapshot from JSON.
    pub fn from_json(json: &str) -> Result<Self, VerifyError> {
        Ok(serde_json::from_str(json)?)
    }

    /// The snapshot as JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data (numbers, hex strings) into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl From<RootHistory> for LocalRoots {
    fn from(history: RootHistory) -> Self {
        LocalRoots::new(history)
    }
}

impl RootSource for LocalRoots {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        Ok(self.history.is_accepted(root, now_unix_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> LocalRoots {
        let mut h = RootHistory::new(100);
        h.publish(Fr::from(1u8), 1_000).unwrap();
        h.publish(Fr::from(2u8), 2_000).unwrap();
        LocalRoots::new(h)
    }

    #[test]
    fn current_root_is_accepted_and_old_root_only_within_window() {
        let r = roots();
        assert!(r.is_accepted(&Fr::from(2u8), 10_000).unwrap());
        assert!(r.is_accepted(&Fr::from(1u8), 2_050).unwrap());
        assert!(!r.is_accepted(&Fr::from(1u8), 2_100).unwrap());
        assert!(!r.is_accepted(&Fr::from(3u8), 2_050).unwrap());
        // Through a reference too.
        let by_ref: &dyn RootSource = &r;
        assert!(by_ref.is_accepted(&Fr::from(2u8), 0).unwrap());
    }

    #[test]
    fn empty_history_accepts_nothing() {
        let r = LocalRoots::new(RootHistory::new(100));
        assert!(!r.is_accepted(&Fr::from(0u8), 0).unwrap());
    }

    #[test]
    fn json_round_trips_and_rejects_inconsistent_history() {
        let r = roots();
        let json = r.to_json();
        assert_eq!(json, serde_json::to_string(r.history()).unwrap());
        assert_eq!(LocalRoots::from_json(&json).unwrap(), r);
        // The first root's replacement time does not match the second's publication.
        let bad = json.replace("\"replaced_at\":2000", "\"replaced_at\":1999");
        assert_ne!(bad, json);
        assert!(matches!(
            LocalRoots::from_json(&bad),
            Err(VerifyError::Json(_))
        ));
        assert!(LocalRoots::from_json("{}").is_err());
    }

    #[test]
    fn issuer_roots_delegate_to_their_source_and_refuse_an_invalid_issuer_code() {
        let r = IssuerRoots::new("NL-RIVM", roots()).unwrap();
        assert_eq!(r.issuer(), "NL-RIVM");
        assert_eq!(r.source(), &roots());
        assert!(r.is_accepted(&Fr::from(2u8), 10_000).unwrap());
        assert!(!r.is_accepted(&Fr::from(1u8), 2_100).unwrap());
        let mut r = r;
        r.source_mut().update(RootHistory::new(100));
        assert!(!r.is_accepted(&Fr::from(2u8), 10_000).unwrap());
        assert_eq!(r.into_source(), LocalRoots::new(RootHistory::new(100)));
        // Boxed and borrowed sources too.
        let source: Box<dyn RootSource> = Box::new(roots());
        let boxed = IssuerRoots::new("NL-RIVM", source).unwrap();
        assert!(boxed.is_accepted(&Fr::from(2u8), 0).unwrap());

        for bad in ["", "NL RIVM", "NL-RIVM\n", "é", &"X".repeat(32)] {
            assert!(
                matches!(
                    IssuerRoots::new(bad, roots()),
                    Err(VerifyError::InvalidVerifierInput(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn issuer_roots_json_round_trips_as_issuer_and_history() {
        let r = IssuerRoots::new("NL-RIVM", roots()).unwrap();
        let json = r.to_json();
        assert_eq!(
            json,
            format!(r#"{{"issuer":"NL-RIVM","roots":{}}}"#, roots().to_json())
        );
        assert_eq!(IssuerRoots::from_json(&json).unwrap(), r);
        // Field order does not matter on reading.
        let swapped = format!(r#"{{"roots":{},"issuer":"NL-RIVM"}}"#, roots().to_json());
        assert_eq!(IssuerRoots::from_json(&swapped).unwrap(), r);
    }

    #[test]
    fn issuer_roots_json_refuses_unknown_fields_bad_codes_and_missing_parts() {
        let history = roots().to_json();
        let refused = |json: &str| {
            assert!(
                matches!(IssuerRoots::from_json(json), Err(VerifyError::Json(_))),
                "{json}"
            );
        };
        // An unknown field.
        refused(&format!(
            r#"{{"issuer":"NL-RIVM","roots":{history},"registry":"0x01"}}"#
        ));
        // An issuer that is not a code: empty, with a space, too long, not a string.
        refused(&format!(r#"{{"issuer":"","roots":{history}}}"#));
        refused(&format!(r#"{{"issuer":"NL RIVM","roots":{history}}}"#));
        refused(&format!(
            r#"{{"issuer":"{}","roots":{history}}}"#,
            "X".repeat(32)
        ));
        refused(&format!(r#"{{"issuer":7,"roots":{history}}}"#));
        // A missing issuer or history: a bare root history is not a snapshot file.
        refused(&history);
        refused(r#"{"issuer":"NL-RIVM"}"#);
        // An inconsistent history.
        let bad = history.replace("\"replaced_at\":2000", "\"replaced_at\":1999");
        assert_ne!(bad, history);
        refused(&format!(r#"{{"issuer":"NL-RIVM","roots":{bad}}}"#));
        // The refusal of a bad code names it.
        let err = IssuerRoots::from_json(&format!(r#"{{"issuer":"NL RIVM","roots":{history}}}"#))
            .unwrap_err();
        assert!(err.to_string().contains("NL RIVM"), "{err}");
    }
}
