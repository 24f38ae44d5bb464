//! The service's configuration: a TOML file, with paths relative to the file's directory, and
//! the flags of `zkhealth serve` on top.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! database = "verifications.redb"        # or postgres://user@host/db
//! challenge_ttl_secs = 300
//!
//! [[verifiers]]
//! verifier = "checkpoint-AMS"             # the scope: verifier id and event
//! event = "2026-boarding"
//! key = "presentation.vk"
//! key_id = "0x…"                          # the pinned key's id
//! policy = "policy.json"
//! roots = "roots.json"                    # the issuer's snapshot, reloaded when it changes
//! ```

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::Deserialize;

use crate::ServiceError;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The address to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// A redb file (created if missing) or a `postgres://` URL. Default: `verifications.redb`
    /// beside the configuration file, nothing to install.
    #[serde(default = "default_database")]
    pub database: String,
    /// How long an issued challenge may be answered, in seconds.
    #[serde(default = "default_challenge_ttl")]
    pub challenge_ttl_secs: u64,
    /// The largest request body, in bytes (413 above).
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// The longest a request may take, body included, in milliseconds (408 after).
    #[serde(default = "default_timeout")]
    pub request_timeout_ms: u64,
    /// The most presentations in one `:batch` request.
    #[serde(default = "default_max_batch")]
    pub max_batch_items: usize,
    /// Challenges one client address may take per second, on average (429 above).
    #[serde(default = "default_challenge_rate")]
    pub challenges_per_second: u32,
    /// Challenges one client address may take at once before the rate applies.
    #[serde(default = "default_challenge_burst")]
    pub challenges_burst: u32,
    /// Micro-batching of concurrent single verifications: the most in one batch; 1 verifies
    /// each on its own.
    #[serde(default = "default_micro_batch")]
    pub micro_batch: usize,
    /// How often the root snapshots are checked for changes, in milliseconds.
    #[serde(default = "default_roots_poll")]
    pub roots_poll_ms: u64,
    /// The verifiers this service answers for (at least one).
    pub verifiers: Vec<VerifierConfig>,
}

/// One verifier: a scope, a pinned key, a policy and its issuer's roots.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierConfig {
    /// The verifier id (first half of the nullifier scope; also the name requests use).
    pub verifier: String,
    /// The event (second half of the scope).
    pub event: String,
    /// The verifying key file.
    pub key: PathBuf,
    /// The pinned key id (`0x` + 64 hex digits): the file must have it.
    pub key_id: String,
    /// The policy file.
    pub policy: PathBuf,
    /// The issuer's root snapshot (`zkhealth roots`), reloaded when it changes; or give
    /// `[verifiers.chain]`.
    #[serde(default)]
    pub roots: Option<PathBuf>,
    /// The registry contract to read roots from, instead of a snapshot.
    #[serde(default)]
    pub chain: Option<ChainConfig>,
    /// Days a presentation's date may follow the service's (for policies that admit it).
    #[serde(default)]
    pub clock_tolerance_days: u32,
}

/// Roots read from the registry contract over JSON-RPC.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// The node's URL.
    pub rpc_url: String,
    /// The registry contract's address.
    pub registry: String,
    /// The chain the node must be on.
    pub chain_id: u64,
    /// The issuer whose registry it is (the policy must be this issuer's).
    pub issuer: String,
    /// Which state to read: `latest`, `safe`, `finalized` or a number of confirmations.
    #[serde(default = "default_read_at")]
    pub read_at: String,
    /// How long an answer about a root is kept, in seconds.
    #[serde(default = "default_cache_secs")]
    pub cache_secs: u64,
}

fn default_read_at() -> String {
    "latest".into()
}
fn default_cache_secs() -> u64 {
    30
}

fn default_database() -> String {
    "verifications.redb".into()
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_challenge_ttl() -> u64 {
    300
}
fn default_max_body() -> usize {
    64 * 1024
}
fn default_timeout() -> u64 {
    10_000
}
fn default_max_batch() -> usize {
    256
}
fn default_challenge_rate() -> u32 {
    20
}
fn default_challenge_burst() -> u32 {
    200
}
fn default_micro_batch() -> usize {
    32
}
fn default_roots_poll() -> u64 {
    1_000
}

impl Config {
    /// Reads and checks a configuration file; relative paths in it are taken from its directory.
    pub fn from_file(path: &Path) -> Result<Self, ServiceError> {
        let text = std::fs::read_to_string(path).map_err(|e| ServiceError::Config {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml(&text, base).map_err(|reason| ServiceError::Config {
            path: path.display().to_string(),
            reason,
        })
    }

    /// Parses and checks a configuration; relative paths are taken from `base`.
    pub fn from_toml(text: &str, base: &Path) -> Result<Self, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        for v in &mut config.verifiers {
            for p in [Some(&mut v.key), Some(&mut v.policy), v.roots.as_mut()]
                .into_iter()
                .flatten()
            {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
        }
        let is_url = config.database.starts_with("postgres://")
            || config.database.starts_with("postgresql://");
        if !is_url && Path::new(&config.database).is_relative() {
            config.database = base.join(&config.database).display().to_string();
        }
        config.check()?;
        Ok(config)
    }

    /// The bounds every value must respect.
    pub fn check(&self) -> Result<(), String> {
        if self.verifiers.is_empty() {
            return Err("no [[verifiers]]: the service would answer for no one".into());
        }
        let mut names: Vec<&str> = self.verifiers.iter().map(|v| v.verifier.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w.first() == w.get(1)) {
            return Err("two [[verifiers]] have the same verifier id".into());
        }
        for v in &self.verifiers {
            if v.roots.is_some() == v.chain.is_some() {
                return Err(format!(
                    "verifier {}: give either roots (a snapshot file) or [verifiers.chain]",
                    v.verifier
                ));
            }
            if let Some(chain) = &v.chain {
                crate::roots::parse_read_at(&chain.read_at)?;
            }
        }
        let positive = [
            ("challenge_ttl_secs", self.challenge_ttl_secs),
            ("max_body_bytes", self.max_body_bytes as u64),
            ("request_timeout_ms", self.request_timeout_ms),
            ("max_batch_items", self.max_batch_items as u64),
            (
                "challenges_per_second",
                u64::from(self.challenges_per_second),
            ),
            ("challenges_burst", u64::from(self.challenges_burst)),
            ("micro_batch", self.micro_batch as u64),
            ("roots_poll_ms", self.roots_poll_ms),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        Ok(())
    }

    /// [`Self::request_timeout_ms`] as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const MINIMAL: &str = r#"
        database = "v.redb"
        [[verifiers]]
        verifier = "gate"
        event = "e"
        key = "k.vk"
        key_id = "0x00"
        policy = "p.json"
        roots = "/abs/roots.json"
    "#;

    #[test]
    fn paths_are_relative_to_the_file_and_defaults_apply() {
        let c = Config::from_toml(MINIMAL, Path::new("/etc/zkh")).unwrap();
        assert_eq!(c.database, "/etc/zkh/v.redb");
        assert_eq!(c.verifiers[0].key, Path::new("/etc/zkh/k.vk"));
        assert_eq!(
            c.verifiers[0].roots.as_deref(),
            Some(Path::new("/abs/roots.json"))
        );
        assert_eq!(c.challenge_ttl_secs, 300);
        assert_eq!(c.listen, default_listen());
        let embedded = MINIMAL.replace("database = \"v.redb\"", "");
        let c = Config::from_toml(&embedded, Path::new("/etc/zkh")).unwrap();
        assert_eq!(c.database, "/etc/zkh/verifications.redb");
    }

    #[test]
    fn bad_configurations_are_refused_with_the_reason() {
        let no_verifier = "database = \"v.redb\"\nverifiers = []";
        assert!(Config::from_toml(no_verifier, Path::new("."))
            .unwrap_err()
            .contains("no [[verifiers]]"));
        let zero = format!("micro_batch = 0\n{MINIMAL}");
        assert!(Config::from_toml(&zero, Path::new("."))
            .unwrap_err()
            .contains("micro_batch"));
        let unknown = format!("colour = 1\n{MINIMAL}");
        assert!(Config::from_toml(&unknown, Path::new("."))
            .unwrap_err()
            .contains("colour"));
        let neither = MINIMAL.replace("roots = \"/abs/roots.json\"", "");
        assert!(Config::from_toml(&neither, Path::new("."))
            .unwrap_err()
            .contains("either roots"));
        let bad_read = format!(
            "{MINIMAL}[verifiers.chain]\nrpc_url = \"http://127.0.0.1:8545\"\nregistry = \"0x00\"\n\
             chain_id = 1\nissuer = \"NL-RIVM\"\nread_at = \"soon\"\n"
        )
        .replace("roots = \"/abs/roots.json\"", "");
        assert!(Config::from_toml(&bad_read, Path::new("."))
            .unwrap_err()
            .contains("read_at"));
        let twice = format!("{MINIMAL}{}", &MINIMAL[MINIMAL.find("[[").unwrap()..]);
        assert!(Config::from_toml(&twice, Path::new("."))
            .unwrap_err()
            .contains("same verifier id"));
    }
}
