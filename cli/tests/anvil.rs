//! Roots over EVM JSON-RPC, against a local anvil node: the registry contract deployed and fed
//! through the CLI, presentations verified against it (`verify --rpc-url --registry
//! --registry-issuer`, refused for a policy of another issuer than the registry's), a revocation
//! taking effect once the freshness window has passed (the revocation of the last credential
//! added included, whose root repeats an earlier one), a presentation contract
//! deployed for the test key and a presentation submitted to it (accepted once, then refused as a
//! reused nullifier and from another sender, or once its root has expired), a claims contract
//! deployed against an insurer's and a provider registry and a claim submitted to it (accepted
//! once with its amount, the same treatment then refused), roots invalidated
//! and issuers rotated by the owner, ownership moved in two steps, and the typed errors of
//! `zkhealth-rpc` against a real node.
//!
//! Anvil comes from npm (`contracts/node_modules/.bin/anvil`, pinned in contracts/package.json);
//! if it is missing, `npm ci` is run in contracts/ first. Each test starts its own node on a
//! free port of 127.0.0.1 and kills it when done (also when the test fails).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    fs,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    thread,
    time::{Duration, Instant},
};

use common::{clock_day, fails, ok, s};
use serde_json::{json, Value};
use tempfile::TempDir;
use zkhealth::{
    circuits::{
        date::Day,
        field::{fr_from_hex, fr_to_hex},
        Fr,
    },
    verifier::{ErrorClass, RootSource},
};
use zkhealth_rpc::{Address, Client, EvmRoots, ReadAt, RpcError, RpcOptions, SignerKey};

const DEPTH: &str = "4";
const ISSUER: &str = "NL-RIVM";
/// The registry's freshness window in these tests, in seconds.
const WINDOW: u64 = 600;

/// Anvil's default development accounts (derived from its public test mnemonic; never use
/// them on a real chain): the owner who deploys, the issuer who publishes, and a stranger.
const OWNER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ISSUER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const STRANGER_KEY: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
/// The account that submits presentations on chain (anvil's fourth development account).
const SUBMITTER_KEY: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
/// Anvil's default chain id.
const ANVIL_CHAIN_ID: u64 = 31337;

// ---- the node ---------------------------------------------------------------------------------

/// The anvil binary, installed with `npm ci` in contracts/ if it is not there yet.
fn anvil_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts");
        let bin = contracts.join("node_modules/.bin/anvil");
        if !bin.exists() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&contracts)
                .status()
                .unwrap_or_else(|e| {
                    panic!(
                        "anvil is not installed ({}) and npm cannot be run ({e}): install \
                         Node.js and npm, then run `npm ci` in contracts/",
                        bin.display()
                    )
                });
            assert!(status.success(), "`npm ci` in contracts/ failed ({status})");
            assert!(bin.exists(), "`npm ci` did not install {}", bin.display());
        }
        bin
    })
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One JSON-RPC request over plain HTTP/1.1; `None` if the node does not answer.
fn raw_rpc(port: u16, method: &str, params: Value) -> Option<Value> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (_, json) = response.split_once("\r\n\r\n")?;
    let value: Value = serde_json::from_str(json).ok()?;
    Some(value.get("result")?.clone())
}

/// A running anvil node, killed on drop (also while a failing test unwinds).
struct Anvil {
    child: Child,
    port: u16,
}

impl Anvil {
    fn start() -> Anvil {
        let log_dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        for _attempt in 0..3 {
            let port = free_port();
            let log = fs::File::create(log_dir.join(format!("anvil-{port}.log"))).unwrap();
            let child = Command::new(anvil_bin())
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("anvil starts");
            let mut node = Anvil { child, port };
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if raw_rpc(port, "eth_chainId", json!([])).is_some() {
                    return node;
                }
                if node.child.try_wait().unwrap().is_some() {
                    break; // exited (port taken in the meantime?): try another port
                }
                thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("anvil did not start (logs in {})", log_dir.display());
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Moves the chain's clock forward and mines a block with the new time.
    fn advance_time(&self, secs: u64) {
        raw_rpc(self.port, "evm_increaseTime", json!([secs])).expect("evm_increaseTime");
        raw_rpc(self.port, "evm_mine", json!([])).expect("evm_mine");
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- the CLI ----------------------------------------------------------------------------------

/// Development keys for depth 4, set up once per test run.
fn keys() -> &'static Path {
    &common::keys(4).0
}

/// The value after `label` on the line of `out` that contains it.
fn after<'a>(out: &'a str, label: &str) -> &'a str {
    let line = out
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{out}"));
    let rest = &line[line.find(label).unwrap() + label.len()..];
    rest.split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| !w.is_empty())
        .unwrap()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn signer(key: &str) -> SignerKey {
    SignerKey::from_hex(key).unwrap()
}

// ---- the flow through the CLI -----------------------------------------------------------------

#[test]
fn cli_flow_verifies_against_chain_roots_and_revocation_takes_effect_after_the_window() {
    let anvil = Anvil::start();
    let url = anvil.url();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let f = |name: &str| s(&d.join(name)).to_string();
    let (pk, vk) = (
        s(&keys().join("presentation-depth-4.pk")).to_string(),
        s(&keys().join("presentation-depth-4.vk")).to_string(),
    );
    let today = clock_day().to_string();
    fs::write(d.join("owner.key"), format!("{OWNER_KEY}\n")).unwrap();
    fs::write(d.join("issuer.key"), &ISSUER_KEY[2..]).unwrap();
    let issuer_address = signer(ISSUER_KEY).address().to_string();

    // Holder and issuer, off chain.
    issue_credential(d, clock_day(), 0);

    // The owner deploys the registry contract; the issuer publishes the registry's root.
    let out = ok(
        d,
        &[
            "deploy-registry",
            "--rpc-url",
            &url,
            "--private-key-file",
            &f("owner.key"),
            "--issuer",
            &issuer_address,
            "--window-secs",
            &WINDOW.to_string(),
        ],
    );
    let registry = out.lines().next().unwrap().trim().to_string();
    assert!(registry.starts_with("0x") && registry.len() == 42, "{out}");
    assert_eq!(after(&out, "issuer"), issuer_address, "{out}");
    let out = ok(
        d,
        &[
            "publish-root",
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--private-key-file",
            &f("issuer.key"),
            "--db",
            &f("registry.redb"),
        ],
    );
    let first_root = after(&out, "published root").to_string();
    let out = ok(
        d,
        &["chain-roots", "--rpc-url", &url, "--registry", &registry],
    );
    assert_eq!(after(&out, "current root"), first_root, "{out}");
    assert_eq!(after(&out, "freshness window"), WINDOW.to_string(), "{out}");
    assert_eq!(after(&out, "issuer"), issuer_address, "{out}");
    assert_eq!(
        after(&out, "owner"),
        signer(OWNER_KEY).address().to_string(),
        "{out}"
    );
    // Publishing the same root again is a no-op, not a revert.
    let out = ok(
        d,
        &[
            "publish-root",
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--private-key",
            ISSUER_KEY,
            "--root",
            &first_root,
        ],
    );
    assert!(out.contains("nothing to publish"), "{out}");

    // The verifier's policy, challenge and scope; the holder proves.
    ok(
        d,
        &[
            "policy",
            "standard-vaccination",
            "--issuer",
            ISSUER,
            "--disclose",
            "country",
            "--out",
            &f("policy.json"),
        ],
    );
    let challenge = ok(d, &["challenge"]).trim().to_string();
    let scope = ["--verifier", "checkpoint-AMS", "--event", "2026-boarding"];
    prove(d, &pk, &challenge, &scope, &today);
    let presentation: Value =
        serde_json::from_str(&fs::read_to_string(d.join("presentation.json")).unwrap()).unwrap();
    assert_eq!(presentation["statement"]["root"], first_root.as_str());

    let verify = |now: Option<u64>| -> Vec<String> {
        let mut args: Vec<String> = [
            "verify",
            "--vk",
            &vk,
            "--policy",
            &f("policy.json"),
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--registry-issuer",
            ISSUER,
            "--chain-id",
            "31337",
            "--presentation",
            &f("presentation.json"),
            "--challenge",
            &challenge,
            "--verifier",
            "checkpoint-AMS",
            "--event",
            "2026-boarding",
            "--today",
            &today,
        ]
        .map(String::from)
        .to_vec();
        if let Some(now) = now {
            args.extend(["--now".into(), now.to_string()]);
        }
        args
    };
    // Accepted against the chain's current root, at the verifier's own clock.
    let out = ok(d, &strs(&verify(None)));
    assert!(out.contains("ACCEPTED"), "{out}");
    assert!(out.contains(&first_root), "{out}");
    assert!(out.contains("disclosed country = NL"), "{out}");

    // A local root file and the chain at once is a usage error.
    let mut both = verify(None);
    both.extend(["--roots".into(), f("roots.json")]);
    fails(d, &strs(&both), 2);

    // The registry named as another issuer's: NL-RIVM's policy is not checked against it.
    let mut other = verify(None);
    let i = other.iter().position(|a| a == "--registry-issuer").unwrap();
    other[i + 1] = "DE-RKI".into();
    let err = fails(d, &strs(&other), 1);
    assert!(
        err.contains("cannot verify") && err.contains(r#"speaks for issuer "DE-RKI""#),
        "{err}"
    );

    // The issuer revokes the credential and publishes the new root.
    ok(
        d,
        &["revoke", "--registry", &f("registry.redb"), "--index", "0"],
    );
    let out = ok(
        d,
        &[
            "publish-root",
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--private-key-file",
            &f("issuer.key"),
            "--db",
            &f("registry.redb"),
        ],
    );
    let second_root = after(&out, "published root").to_string();
    assert_ne!(second_root, first_root);
    assert_eq!(after(&out, "replaced root"), first_root, "{out}");

    // When was the first root replaced? The CLI and the library agree.
    let out = ok(
        d,
        &[
            "chain-roots",
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--root",
            &first_root,
        ],
    );
    assert_eq!(after(&out, "current root"), second_root, "{out}");
    let replaced_at: u64 = after(&out, "replaced at").parse().unwrap();
    let until: u64 = after(&out, "accepted until").parse().unwrap();
    assert_eq!(until, replaced_at + WINDOW);
    let info = zkhealth_rpc::root_info(
        &url,
        zkhealth_rpc::parse_address(&registry).unwrap(),
        &fr_from_hex(&first_root).unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(info.replaced_at, Some(replaced_at));
    assert!(info.published_at <= replaced_at);

    // The verifier's clock decides: within the window the old root is still accepted, from
    // the end of the window on it is refused (exit code 3).
    let out = ok(d, &strs(&verify(Some(replaced_at + WINDOW - 1))));
    assert!(out.contains("ACCEPTED"), "{out}");
    let err = fails(d, &strs(&verify(Some(replaced_at + WINDOW))), 3);
    assert!(
        err.contains("REJECTED") && err.contains("not accepted"),
        "{err}"
    );
    assert!(err.contains(&first_root), "{err}");

    // The chain's own clock agrees once it has moved past the window.
    let client = Client::new(&url).unwrap();
    let registry_address = zkhealth_rpc::parse_address(&registry).unwrap();
    let first = fr_from_hex(&first_root).unwrap();
    assert!(client.is_accepted_root(registry_address, &first).unwrap());
    anvil.advance_time(WINDOW + 1);
    assert!(!client.is_accepted_root(registry_address, &first).unwrap());
    assert!(client
        .is_accepted_root(registry_address, &fr_from_hex(&second_root).unwrap())
        .unwrap());

    // The node goes away: verification cannot be carried out (exit code 1), it is not a
    // refusal.
    drop(anvil);
    let err = fails(d, &strs(&verify(None)), 1);
    assert!(
        err.contains("cannot verify") && err.contains("cannot reach"),
        "{err}"
    );
}

/// Proves the policy in `d` about the credential issued there, into `presentation.json`.
/// `scope` names the verifier presented to (`--verifier` or `--contract` and `--chain-id`, then
/// `--event`).
fn prove(d: &Path, pk: &str, challenge: &str, scope: &[&str], today: &str) {
    let f = |name: &str| s(&d.join(name)).to_string();
    let (credential, secret, path, policy) = (
        f("credential.json"),
        f("secret.json"),
        f("path.json"),
        f("policy.json"),
    );
    let presentation = f("presentation.json");
    let mut args = vec![
        "prove",
        "--pk",
        pk,
        "--credential",
        &credential,
        "--secret",
        &secret,
        "--path",
        &path,
        "--policy",
        &policy,
        "--challenge",
        challenge,
        "--today",
        today,
        "--out",
        &presentation,
    ];
    args.extend(scope);
    let out = ok(d, &args);
    assert!(out.contains("proved in"), "{out}");
}

// ---- the verification service reading roots from the chain -----------------------------------

#[test]
fn the_service_reads_roots_from_the_registry_contract_and_caches_them() {
    let anvil = Anvil::start();
    let url = anvil.url();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let f = |name: &str| s(&d.join(name)).to_string();
    let (pk, vk) = (
        s(&keys().join("presentation-depth-4.pk")).to_string(),
        s(&keys().join("presentation-depth-4.vk")).to_string(),
    );
    let key_id = after(&common::keys(4).1, "key id").to_string();
    issue_credential(d, clock_day(), 0);
    let issuer_address = signer(ISSUER_KEY).address().to_string();
    let out = ok(
        d,
        &[
            "deploy-registry",
            "--rpc-url",
            &url,
            "--private-key",
            OWNER_KEY,
            "--issuer",
            &issuer_address,
            "--window-secs",
            &WINDOW.to_string(),
        ],
    );
    let registry = out.lines().next().unwrap().trim().to_string();
    ok(
        d,
        &[
            "publish-root",
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--private-key",
            ISSUER_KEY,
            "--db",
            &f("registry.redb"),
        ],
    );
    ok(
        d,
        &[
            "policy",
            "standard-vaccination",
            "--issuer",
            ISSUER,
            "--disclose",
            "country",
            "--out",
            &f("policy.json"),
        ],
    );
    let config = format!(
        "listen = \"127.0.0.1:0\"\ndatabase = \"{}\"\n\n[[verifiers]]\nverifier = \"checkpoint-AMS\"\n\
         event = \"2026-boarding\"\nkey = \"{vk}\"\nkey_id = \"{key_id}\"\npolicy = \"{}\"\n\n\
         [verifiers.chain]\nrpc_url = \"{url}\"\nregistry = \"{registry}\"\nchain_id = {ANVIL_CHAIN_ID}\n\
         issuer = \"{ISSUER}\"\ncache_secs = 2\n",
        f("service.redb"),
        f("policy.json"),
    );
    fs::write(d.join("service.toml"), config).unwrap();
    let mut service = Command::new(env!("CARGO_BIN_EXE_zkhealth"))
        .args(["serve", "--config", &f("service.toml")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(service.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let agent = ureq::agent();
    let submit = |presentation: &str| -> (u16, Value) {
        let answer = agent
            .post(&format!("{base}/v1/presentations"))
            .set("Content-Type", "application/json")
            .send_string(
                &json!({ "presentation": serde_json::from_str::<Value>(presentation).unwrap() })
                    .to_string(),
            );
        match answer {
            Ok(r) => (r.status(), r.into_json().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
            Err(e) => panic!("{e}"),
        }
    };
    let challenge = |agent: &ureq::Agent| -> String {
        let r: Value = agent
            .post(&format!("{base}/v1/challenges"))
            .send_string("")
            .unwrap()
            .into_json()
            .unwrap();
        r["challenge"].as_str().unwrap().to_string()
    };
    let scope = ["--verifier", "checkpoint-AMS", "--event", "2026-boarding"];
    let today = clock_day().to_string();

    // Accepted against the root the chain holds.
    prove(d, &pk, &challenge(&agent), &scope, &today);
    let (status, json) = submit(&fs::read_to_string(d.join("presentation.json")).unwrap());
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["disclosed"][0]["value"], "NL");

    // The node goes away: within the cache time the root's answer is the cached one (the
    // presentation then reaches the nullifier check); after it, the service cannot decide and
    // says so (503), which is no refusal.
    prove(d, &pk, &challenge(&agent), &scope, &today);
    let again = fs::read_to_string(d.join("presentation.json")).unwrap();
    drop(anvil);
    let (status, json) = submit(&again);
    assert_eq!(
        (status, json["code"].as_str()),
        (422, Some("nullifier_reused")),
        "{json}"
    );
    thread::sleep(Duration::from_millis(2_500));
    let (status, json) = submit(&again);
    assert_eq!(
        (status, json["code"].as_str()),
        (503, Some("root_source")),
        "{json}"
    );
    let _ = service.kill();
    let _ = service.wait();
}

// ---- a presentation submitted on chain, through the CLI --------------------------------------

/// Issues a vaccination credential (a dose 60 days before `day`) to a new holder into
/// `registry.redb` in `d`, as leaf `index` (the registry's next one), and writes the holder's
/// `secret.json`, `credential.json` and `path.json` (replacing earlier ones).
fn issue_credential(d: &Path, day: Day, index: u64) {
    let window = WINDOW.to_string();
    // The holder's previous credential is replaced (it keeps only the newest).
    common::issue_vaccination(d, day, DEPTH, index, &["--window-secs", &window, "--force"]);
}

#[test]
fn cli_presentation_is_accepted_on_chain_once_and_refused_when_reused_or_sent_by_another() {
    let anvil = Anvil::start();
    let url = anvil.url();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let f = |name: &str| s(&d.join(name)).to_string();
    let (pk, vk) = (
        s(&keys().join("presentation-depth-4.pk")).to_string(),
        s(&keys().join("presentation-depth-4.vk")).to_string(),
    );
    let client = Client::new(&url).unwrap();
    // The holder proves for the chain's date, the date the contract checks against.
    let chain_day = Day::from_unix_seconds(client.latest_block_time().unwrap()).unwrap();
    issue_credential(d, chain_day, 0);

    // The registry, with the issuer's root published.
    let out = ok(
        d,
        &[
            "deploy-registry",
            "--rpc-url",
            &url,
            "--private-key",
            OWNER_KEY,
            "--issuer",
            &signer(ISSUER_KEY).address().to_string(),
            "--window-secs",
            &WINDOW.to_string(),
        ],
    );
    let registry = out.lines().next().unwrap().trim().to_string();
    ok(
        d,
        &[
            "publish-root",
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--private-key",
            ISSUER_KEY,
            "--db",
            &f("registry.redb"),
        ],
    );

    // The standard vaccination policy without disclosure, and a scope.
    ok(
        d,
        &[
            "policy",
            "standard-vaccination",
            "--issuer",
            ISSUER,
            "--out",
            &f("policy.json"),
        ],
    );
    let deploy = |policy: &str| -> Vec<String> {
        [
            "deploy-presentation",
            "--rpc-url",
            &url,
            "--private-key",
            OWNER_KEY,
            "--vk",
            &vk,
            "--registry",
            &registry,
            "--event",
            "2026-claims",
            "--policy",
            policy,
        ]
        .map(String::from)
        .to_vec()
    };

    // A policy that discloses values has a query hash per holder: refused before deploying.
    ok(
        d,
        &[
            "policy",
            "standard-vaccination",
            "--issuer",
            ISSUER,
            "--disclose",
            "country",
            "--out",
            &f("policy-disclosing.json"),
        ],
    );
    let err = fails(d, &strs(&deploy(&f("policy-disclosing.json"))), 1);
    assert!(
        err.contains("policy-disclosing.json") && err.contains("discloses country"),
        "{err}"
    );

    let out = ok(d, &strs(&deploy(&f("policy.json"))));
    let contract_hex = out.lines().next().unwrap().trim().to_string();
    assert!(
        contract_hex.starts_with("0x") && contract_hex.len() == 42,
        "{out}"
    );
    let contract = zkhealth_rpc::parse_address(&contract_hex).unwrap();
    let query_hash = after(&out, "query hash").trim_end_matches(')').to_string();
    assert!(client
        .is_policy_accepted(contract, &fr_from_hex(&query_hash).unwrap())
        .unwrap());
    // The contract derived its scope from the chain, its address and the event; a holder
    // derives the same from the address it submits to.
    let chain_id = ANVIL_CHAIN_ID.to_string();
    let scope = [
        "--contract",
        &contract_hex,
        "--chain-id",
        &chain_id,
        "--event",
        "2026-claims",
    ];
    let derived = ok(d, &[&["scope"][..], &scope].concat());
    assert_eq!(
        fr_to_hex(&client.presentation_scope(contract).unwrap()),
        derived.trim()
    );
    assert_eq!(after(&out, "scope"), derived.trim(), "{out}");
    assert_eq!(
        client.presentation_scope_event(contract).unwrap(),
        zkhealth::circuits::field::fr_to_bytes_be(
            &zkhealth::circuits::codes::encode("2026-claims").unwrap()
        )
    );

    // The challenge the contract expects from the submitter: from the node's chain id (and
    // checked against the contract's own `challengeFor`), or from a chain id given.
    let submitter = signer(SUBMITTER_KEY).address().to_string();
    let challenge = ok(
        d,
        &[
            "challenge",
            "--contract",
            &contract_hex,
            "--sender",
            &submitter,
            "--rpc-url",
            &url,
        ],
    )
    .trim()
    .to_string();
    let offline = ok(
        d,
        &[
            "challenge",
            "--contract",
            &contract_hex,
            "--sender",
            &submitter,
            "--chain-id",
            &ANVIL_CHAIN_ID.to_string(),
        ],
    );
    assert_eq!(offline.trim(), challenge);
    assert_eq!(
        fr_to_hex(
            &client
                .challenge_for(contract, signer(SUBMITTER_KEY).address(), [0; 32])
                .unwrap()
        ),
        challenge
    );
    assert_ne!(ok(d, &["challenge"]).trim(), challenge);

    prove(d, &pk, &challenge, &scope, &chain_day.to_string());
    let presentation: Value =
        serde_json::from_str(&fs::read_to_string(d.join("presentation.json")).unwrap()).unwrap();
    let nullifier = fr_from_hex(presentation["statement"]["nullifier"].as_str().unwrap()).unwrap();
    assert!(!client.is_nullifier_used(contract, &nullifier).unwrap());

    let submit = |key: &str| -> Vec<String> {
        [
            "submit-presentation",
            "--rpc-url",
            &url,
            "--private-key",
            key,
            "--contract",
            &contract_hex,
            "--presentation",
            &f("presentation.json"),
        ]
        .map(String::from)
        .to_vec()
    };
    // Accepted once, by the sender it was proven for; the nullifier is now used.
    let out = ok(d, &strs(&submit(SUBMITTER_KEY)));
    assert!(out.contains("ACCEPTED"), "{out}");
    let tx_hash = after(&out, "transaction").to_string();
    assert!(tx_hash.starts_with("0x") && tx_hash.len() == 66, "{out}");
    let gas: u64 = after(&out, "gas used").parse().unwrap();
    println!("verifyPresentation on anvil: gas used {gas} (transaction {tx_hash})");
    assert!(gas > 21_000 && gas < 1_000_000, "{out}");
    assert!(client.is_nullifier_used(contract, &nullifier).unwrap());

    // The same presentation again: refused (exit code 3), naming the contract's error.
    let err = fails(d, &strs(&submit(SUBMITTER_KEY)), 3);
    assert!(
        err.contains("REJECTED") && err.contains("NullifierAlreadyUsed"),
        "{err}"
    );
    // Sent by another account, the challenge is not that sender's.
    let err = fails(d, &strs(&submit(STRANGER_KEY)), 3);
    assert!(
        err.contains("REJECTED") && err.contains("WrongChallenge"),
        "{err}"
    );

    // Only the owner accepts policies: the contract's error, exit code 1 (not a presentation).
    let err = fails(
        d,
        &[
            "accept-policy",
            "--rpc-url",
            &url,
            "--private-key",
            STRANGER_KEY,
            "--contract",
            &contract_hex,
            "--policy",
            &f("policy.json"),
        ],
        1,
    );
    assert!(err.contains("NotOwner"), "{err}");
}

// ---- revocation of the last credential added, invalidation, rotation, ownership -------------

/// `zkhealth ARGS… --rpc-url URL` with the registry or contract flag and a key: the argument
/// vector of a chain command.
fn chain_cmd(
    command: &str,
    url: &str,
    target: (&str, &str),
    key: &str,
    rest: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> = [
        command,
        "--rpc-url",
        url,
        target.0,
        target.1,
        "--private-key",
        key,
    ]
    .map(String::from)
    .to_vec();
    args.extend(rest.iter().map(|a| a.to_string()));
    args
}

#[test]
fn cli_revoking_the_last_credential_added_publishes_the_earlier_root_and_its_presentation_expires_on_chain(
) {
    let anvil = Anvil::start();
    let url = anvil.url();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let f = |name: &str| s(&d.join(name)).to_string();
    let (pk, vk) = (
        s(&keys().join("presentation-depth-4.pk")).to_string(),
        s(&keys().join("presentation-depth-4.vk")).to_string(),
    );
    let client = Client::new(&url).unwrap();
    let chain_day = Day::from_unix_seconds(client.latest_block_time().unwrap()).unwrap();

    // The registry contract; a first credential, its root published.
    let out = ok(
        d,
        &[
            "deploy-registry",
            "--rpc-url",
            &url,
            "--private-key",
            OWNER_KEY,
            "--issuer",
            &signer(ISSUER_KEY).address().to_string(),
            "--window-secs",
            &WINDOW.to_string(),
        ],
    );
    let registry = out.lines().next().unwrap().trim().to_string();
    let registry_address = zkhealth_rpc::parse_address(&registry).unwrap();
    let publish = chain_cmd(
        "publish-root",
        &url,
        ("--registry", &registry),
        ISSUER_KEY,
        &["--db", &f("registry.redb")],
    );
    issue_credential(d, chain_day, 0);
    let out = ok(d, &strs(&publish));
    let first_root = after(&out, "published root").to_string();

    // The holder's credential is the last one added: a second root.
    issue_credential(d, chain_day, 1);
    let out = ok(d, &strs(&publish));
    let holder_root = after(&out, "published root").to_string();
    assert_ne!(holder_root, first_root);

    // A presentation contract; the holder proves for it, against the second root.
    ok(
        d,
        &[
            "policy",
            "standard-vaccination",
            "--issuer",
            ISSUER,
            "--out",
            &f("policy.json"),
        ],
    );
    let out = ok(
        d,
        &[
            "deploy-presentation",
            "--rpc-url",
            &url,
            "--private-key",
            OWNER_KEY,
            "--vk",
            &vk,
            "--registry",
            &registry,
            "--event",
            "2026",
            "--policy",
            &f("policy.json"),
        ],
    );
    let contract = out.lines().next().unwrap().trim().to_string();
    let chain_id = ANVIL_CHAIN_ID.to_string();
    let scope_args = [
        "--contract",
        &contract,
        "--chain-id",
        &chain_id,
        "--event",
        "2026",
    ];
    let scope = after(&out, "scope").to_string();
    let challenge = fr_to_hex(
        &client
            .challenge_for(
                zkhealth_rpc::parse_address(&contract).unwrap(),
                signer(SUBMITTER_KEY).address(),
                [0; 32],
            )
            .unwrap(),
    );
    prove(d, &pk, &challenge, &scope_args, &chain_day.to_string());
    let presentation: Value =
        serde_json::from_str(&fs::read_to_string(d.join("presentation.json")).unwrap()).unwrap();
    assert_eq!(presentation["statement"]["root"], holder_root.as_str());
    assert_eq!(presentation["statement"]["scope"], scope.as_str());

    // The issuer revokes it: the tree is back to the first root exactly, and that root is
    // published again (the contract used to refuse it as published before).
    let out = ok(
        d,
        &["revoke", "--registry", &f("registry.redb"), "--index", "1"],
    );
    assert_eq!(after(&out, "new root"), first_root, "{out}");
    let out = ok(d, &strs(&publish));
    assert_eq!(after(&out, "published root"), first_root, "{out}");
    assert_eq!(after(&out, "replaced root"), holder_root, "{out}");
    assert_eq!(
        client.current_root(registry_address).unwrap(),
        Some(fr_from_hex(&first_root).unwrap())
    );
    let out = ok(
        d,
        &[
            "chain-roots",
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--root",
            &holder_root,
        ],
    );
    assert_eq!(after(&out, "current root"), first_root, "{out}");
    let replaced_at: u64 = after(&out, "replaced at").parse().unwrap();
    assert_eq!(
        after(&out, "accepted until").parse::<u64>().unwrap(),
        replaced_at + WINDOW
    );

    // Off chain against the chain's roots, at the verifier's clock: accepted within the window,
    // refused from its end.
    let verify = |now: u64| -> Vec<String> {
        [
            "verify",
            "--vk",
            &vk,
            "--policy",
            &f("policy.json"),
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--registry-issuer",
            ISSUER,
            "--chain-id",
            "31337",
            "--presentation",
            &f("presentation.json"),
            "--challenge",
            &challenge,
            "--scope",
            &scope,
            "--today",
            &chain_day.to_string(),
            "--now",
            &now.to_string(),
        ]
        .map(String::from)
        .to_vec()
    };
    let out = ok(d, &strs(&verify(replaced_at + WINDOW - 1)));
    assert!(out.contains("ACCEPTED"), "{out}");
    let err = fails(d, &strs(&verify(replaced_at + WINDOW)), 3);
    assert!(
        err.contains("REJECTED") && err.contains(&holder_root),
        "{err}"
    );

    // On chain, once the chain's clock has passed the window: refused, nothing recorded.
    anvil.advance_time(WINDOW + 1);
    let err = fails(
        d,
        &strs(&chain_cmd(
            "submit-presentation",
            &url,
            ("--contract", &contract),
            SUBMITTER_KEY,
            &["--presentation", &f("presentation.json")],
        )),
        3,
    );
    assert!(
        err.contains("REJECTED") && err.contains("RootNotAccepted"),
        "{err}"
    );
    let nullifier = fr_from_hex(presentation["statement"]["nullifier"].as_str().unwrap()).unwrap();
    assert!(!client
        .is_nullifier_used(zkhealth_rpc::parse_address(&contract).unwrap(), &nullifier)
        .unwrap());
}

#[test]
fn cli_owner_invalidates_roots_and_rotates_the_issuer_and_the_database_follows() {
    let anvil = Anvil::start();
    let url = anvil.url();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let f = |name: &str| s(&d.join(name)).to_string();
    let client = Client::new(&url).unwrap();
    let out = ok(
        d,
        &[
            "deploy-registry",
            "--rpc-url",
            &url,
            "--private-key",
            OWNER_KEY,
            "--issuer",
            &signer(ISSUER_KEY).address().to_string(),
            "--window-secs",
            &WINDOW.to_string(),
        ],
    );
    let registry = out.lines().next().unwrap().trim().to_string();
    let registry_address = zkhealth_rpc::parse_address(&registry).unwrap();
    let on_registry = |command: &str, key: &str, rest: &[&str]| {
        chain_cmd(command, &url, ("--registry", &registry), key, rest)
    };
    let db = f("registry.redb");
    issue_credential(d, clock_day(), 0);
    let first = after(
        &ok(
            d,
            &strs(&on_registry("publish-root", ISSUER_KEY, &["--db", &db])),
        ),
        "published root",
    )
    .to_string();
    issue_credential(d, clock_day(), 1);
    let second = after(
        &ok(
            d,
            &strs(&on_registry("publish-root", ISSUER_KEY, &["--db", &db])),
        ),
        "published root",
    )
    .to_string();
    let first_fr = fr_from_hex(&first).unwrap();
    let second_fr = fr_from_hex(&second).unwrap();
    assert!(client
        .is_accepted_root(registry_address, &first_fr)
        .unwrap());

    // Only the owner invalidates; a root never published cannot be, and with --db the database
    // must know the root (checked before anything is sent).
    let err = fails(
        d,
        &strs(&on_registry(
            "invalidate-root",
            STRANGER_KEY,
            &["--root", &first],
        )),
        1,
    );
    assert!(err.contains("NotOwner"), "{err}");
    let unknown = fr_to_hex(&Fr::from(77u8));
    let err = fails(
        d,
        &strs(&on_registry(
            "invalidate-root",
            OWNER_KEY,
            &["--root", &unknown],
        )),
        1,
    );
    assert!(err.contains("RootNotPublished"), "{err}");
    let err = fails(
        d,
        &strs(&on_registry(
            "invalidate-root",
            OWNER_KEY,
            &["--root", &unknown, "--db", &db],
        )),
        1,
    );
    assert!(err.contains("never published"), "{err}");

    // The replaced first root, within its window: withdrawn on chain and in the database.
    let out = ok(
        d,
        &strs(&on_registry(
            "invalidate-root",
            OWNER_KEY,
            &["--root", &first, "--db", &db],
        )),
    );
    assert!(
        out.contains("invalidated root") && out.contains("recorded in"),
        "{out}"
    );
    assert!(!client
        .is_accepted_root(registry_address, &first_fr)
        .unwrap());
    let info = client
        .root_info(registry_address, &first_fr)
        .unwrap()
        .unwrap();
    assert!(info.invalidated);
    let out = ok(
        d,
        &[
            "chain-roots",
            "--rpc-url",
            &url,
            "--registry",
            &registry,
            "--root",
            &first,
        ],
    );
    assert!(out.contains("invalidated: never accepted"), "{out}");
    let err = fails(
        d,
        &strs(&on_registry(
            "invalidate-root",
            OWNER_KEY,
            &["--root", &first],
        )),
        1,
    );
    assert!(err.contains("RootIsInvalidated"), "{err}");
    let err = fails(
        d,
        &strs(&on_registry(
            "publish-root",
            ISSUER_KEY,
            &["--root", &first],
        )),
        1,
    );
    assert!(err.contains("RootIsInvalidated"), "{err}");
    let roots = |d: &Path| -> zkhealth::registry::RootHistory {
        ok(d, &["roots", "--registry", &db, "--out", &f("roots.json")]);
        let file = zkhealth::verifier::IssuerRoots::from_json(
            &fs::read_to_string(d.join("roots.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(file.issuer(), ISSUER);
        file.into_source().history().clone()
    };
    let local = roots(d);
    assert!(local.is_invalidated(&first_fr));
    assert_eq!(local.current(), Some(second_fr));

    // The issuer's key leaks: the owner appoints the stranger and invalidates every earlier
    // root; the chain and the database have no current root.
    let stranger = signer(STRANGER_KEY).address().to_string();
    let err = fails(
        d,
        &strs(&on_registry(
            "set-issuer",
            ISSUER_KEY,
            &["--issuer", &stranger, "--invalidate-previous"],
        )),
        1,
    );
    assert!(err.contains("NotOwner"), "{err}");
    let out = ok(
        d,
        &strs(&on_registry(
            "set-issuer",
            OWNER_KEY,
            &["--issuer", &stranger, "--invalidate-previous", "--db", &db],
        )),
    );
    assert!(
        out.contains("(epoch 1)") && out.contains("recorded in"),
        "{out}"
    );
    assert_eq!(
        client.issuer(registry_address).unwrap(),
        signer(STRANGER_KEY).address()
    );
    assert_eq!(client.issuer_epoch(registry_address).unwrap(), 1);
    assert_eq!(client.min_accepted_epoch(registry_address).unwrap(), 1);
    assert_eq!(client.current_root(registry_address).unwrap(), None);
    assert!(!client
        .is_accepted_root(registry_address, &second_fr)
        .unwrap());
    let local = roots(d);
    assert_eq!((local.current(), local.epoch()), (None, 1));
    assert!(!local.is_accepted(&second_fr, u64::MAX));

    // The old issuer can no longer publish; the new one publishes the registry's root again,
    // which the database records too.
    let err = fails(
        d,
        &strs(&on_registry("publish-root", ISSUER_KEY, &["--db", &db])),
        1,
    );
    assert!(err.contains("NotIssuer"), "{err}");
    let out = ok(
        d,
        &strs(&on_registry("publish-root", STRANGER_KEY, &["--db", &db])),
    );
    assert_eq!(after(&out, "published root"), second, "{out}");
    assert!(out.contains("recorded the publication"), "{out}");
    assert!(client
        .is_accepted_root(registry_address, &second_fr)
        .unwrap());
    assert_eq!(
        client
            .root_info(registry_address, &second_fr)
            .unwrap()
            .unwrap()
            .epoch,
        1
    );
    let local = roots(d);
    assert_eq!(local.current(), Some(second_fr));
    assert_eq!(local.latest_entry(&second_fr).unwrap().epoch, 1);
    let out = ok(
        d,
        &["chain-roots", "--rpc-url", &url, "--registry", &registry],
    );
    assert_eq!(after(&out, "current root"), second, "{out}");
    assert!(out.contains("issuer epoch 1"), "{out}");

    // A database that could not record the publication (its root was invalidated there) is
    // refused before anything is sent.
    issue_credential(d, clock_day(), 2);
    {
        let mut store = zkhealth::registry::store::RegistryStore::open(&db).unwrap();
        let root = store.root();
        let last = store.history().entries().last().unwrap().published_at;
        store.invalidate_root(root, last).unwrap();
    }
    let err = fails(
        d,
        &strs(&on_registry("publish-root", STRANGER_KEY, &["--db", &db])),
        1,
    );
    assert!(err.contains("was invalidated"), "{err}");
    assert_eq!(
        client.current_root(registry_address).unwrap(),
        Some(second_fr)
    );
}

#[test]
fn cli_ownership_of_both_contracts_moves_in_two_steps() {
    let anvil = Anvil::start();
    let url = anvil.url();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let f = |name: &str| s(&d.join(name)).to_string();
    let client = Client::new(&url).unwrap();
    let vk = s(&keys().join("presentation-depth-4.vk")).to_string();
    let out = ok(
        d,
        &[
            "deploy-registry",
            "--rpc-url",
            &url,
            "--private-key",
            OWNER_KEY,
            "--issuer",
            &signer(ISSUER_KEY).address().to_string(),
            "--window-secs",
            &WINDOW.to_string(),
        ],
    );
    let registry = out.lines().next().unwrap().trim().to_string();
    let out = ok(
        d,
        &[
            "deploy-presentation",
            "--rpc-url",
            &url,
            "--private-key",
            OWNER_KEY,
            "--vk",
            &vk,
            "--registry",
            &registry,
            "--event",
            "ownership",
        ],
    );
    let contract = out.lines().next().unwrap().trim().to_string();
    ok(
        d,
        &[
            "policy",
            "standard-vaccination",
            "--issuer",
            ISSUER,
            "--out",
            &f("policy.json"),
        ],
    );
    let new_owner = signer(SUBMITTER_KEY);
    let new_owner_hex = new_owner.address().to_string();
    let owner = signer(OWNER_KEY).address();

    // What only the owner may do, on each contract.
    let registry_owner_only = |key: &str| {
        chain_cmd(
            "set-issuer",
            &url,
            ("--registry", &registry),
            key,
            &["--issuer", &new_owner_hex],
        )
    };
    let contract_owner_only = |key: &str| {
        chain_cmd(
            "accept-policy",
            &url,
            ("--contract", &contract),
            key,
            &["--policy", &f("policy.json")],
        )
    };
    type OwnerOnly<'a> = &'a dyn Fn(&str) -> Vec<String>;
    let cases: [(&str, OwnerOnly); 2] = [
        (registry.as_str(), &registry_owner_only),
        (contract.as_str(), &contract_owner_only),
    ];
    for (target, owner_only) in cases {
        let address = zkhealth_rpc::parse_address(target).unwrap();
        let transfer = |key: &str, to: &str| {
            chain_cmd(
                "transfer-ownership",
                &url,
                ("--contract", target),
                key,
                &["--new-owner", to],
            )
        };
        let accept =
            |key: &str| chain_cmd("accept-ownership", &url, ("--contract", target), key, &[]);

        // A stranger cannot start a transfer, nor accept one.
        let err = fails(d, &strs(&transfer(STRANGER_KEY, &new_owner_hex)), 1);
        assert!(err.contains("NotOwner"), "{err}");
        let out = ok(d, &strs(&transfer(OWNER_KEY, &new_owner_hex)));
        assert!(out.contains("pending owner"), "{out}");
        assert_eq!(
            client.pending_owner(address).unwrap(),
            Some(new_owner.address())
        );
        let err = fails(d, &strs(&accept(STRANGER_KEY)), 1);
        assert!(err.contains("NotPendingOwner"), "{err}");
        // Until accepted, the owner keeps its rights and the pending owner has none.
        ok(d, &strs(&owner_only(OWNER_KEY)));
        let err = fails(d, &strs(&owner_only(SUBMITTER_KEY)), 1);
        assert!(err.contains("NotOwner"), "{err}");
        // Cancelled: the pending owner can no longer accept.
        let out = ok(d, &strs(&transfer(OWNER_KEY, &Address::ZERO.to_string())));
        assert!(out.contains("cancelled"), "{out}");
        assert_eq!(client.pending_owner(address).unwrap(), None);
        let err = fails(d, &strs(&accept(SUBMITTER_KEY)), 1);
        assert!(err.contains("NotPendingOwner"), "{err}");
        // Transferred again and accepted: the new owner has the rights, the old one none.
        ok(d, &strs(&transfer(OWNER_KEY, &new_owner_hex)));
        let out = ok(d, &strs(&accept(SUBMITTER_KEY)));
        assert!(out.contains(&format!("previous owner {owner}")), "{out}");
        assert_eq!(client.owner(address).unwrap(), new_owner.address());
        assert_eq!(client.pending_owner(address).unwrap(), None);
        let err = fails(d, &strs(&owner_only(OWNER_KEY)), 1);
        assert!(err.contains("NotOwner"), "{err}");
        ok(d, &strs(&owner_only(SUBMITTER_KEY)));
    }
}

// ---- the library against a real node ---------------------------------------------------------

fn deploy(client: &Client) -> Address {
    client
        .deploy_registry(&signer(OWNER_KEY), signer(ISSUER_KEY).address(), WINDOW)
        .unwrap()
        .address
}

#[test]
fn evm_roots_answer_false_for_unknown_roots_and_typed_errors_for_codeless_or_gone_nodes() {
    let anvil = Anvil::start();
    let client = Client::new(&anvil.url()).unwrap();
    let registry = deploy(&client);
    assert_eq!(client.current_root(registry).unwrap(), None);
    assert_eq!(client.freshness_window(registry).unwrap(), WINDOW);

    let roots = EvmRoots::new(&anvil.url(), registry, ANVIL_CHAIN_ID).unwrap();
    // Nothing published: an unknown root is refused, not an error.
    assert!(!roots.is_accepted(&Fr::from(7u8), 1_780_000_000).unwrap());
    let root = Fr::from(0x5eed_u64);
    client
        .publish_root(&signer(ISSUER_KEY), registry, &root)
        .unwrap();
    assert!(roots.is_accepted(&root, 1_780_000_000).unwrap());
    // With one confirmation, the root published in the latest block is not seen yet; once
    // another block is on top of it, it is.
    let confirmed = EvmRoots::new(&anvil.url(), registry, ANVIL_CHAIN_ID)
        .unwrap()
        .read_at(ReadAt::Confirmations(1));
    assert!(!confirmed.is_accepted(&root, 1_780_000_000).unwrap());
    let next = Fr::from(0x5eee_u64);
    client
        .publish_root(&signer(ISSUER_KEY), registry, &next)
        .unwrap();
    assert!(confirmed.is_accepted(&root, 1_780_000_000).unwrap());
    assert!(!confirmed.is_accepted(&next, 1_780_000_000).unwrap());
    // A node on another chain than the one expected is refused before any answer is used.
    let elsewhere = EvmRoots::new(&anvil.url(), registry, 1).unwrap();
    let err = elsewhere.is_accepted_at(&root, 1_780_000_000).unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::WrongChain {
                expected: 1,
                got: ANVIL_CHAIN_ID,
                ..
            }
        ),
        "{err}"
    );
    let root = next;
    assert!(!roots.is_accepted(&Fr::from(7u8), 1_780_000_000).unwrap());
    assert_eq!(client.current_root(registry).unwrap(), Some(root));
    let info = client.root_info(registry, &root).unwrap().unwrap();
    assert_eq!(info.replaced_at, None);
    assert_eq!(client.root_info(registry, &Fr::from(7u8)).unwrap(), None);

    // An account without code (the stranger's) is not a registry.
    let stranger = signer(STRANGER_KEY).address();
    let codeless = EvmRoots::new(&anvil.url(), stranger, ANVIL_CHAIN_ID).unwrap();
    let err = codeless.is_accepted_at(&root, 1_780_000_000).unwrap_err();
    assert!(
        matches!(err, RpcError::NoContractCode { address } if address == stranger),
        "{err}"
    );
    let err = codeless.is_accepted(&root, 1_780_000_000).unwrap_err();
    assert_eq!(err.class(), ErrorClass::Verifier);
    let err = client
        .publish_root(&signer(ISSUER_KEY), stranger, &root)
        .unwrap_err();
    assert!(matches!(err, RpcError::NoContractCode { .. }), "{err}");

    // The node goes away: the typed unavailable error (Unreachable, not a timeout).
    let quick = EvmRoots::with_options(
        &anvil.url(),
        registry,
        ANVIL_CHAIN_ID,
        RpcOptions {
            request_timeout: Duration::from_secs(2),
            ..RpcOptions::default()
        },
    )
    .unwrap();
    drop(anvil);
    let err = quick.is_accepted_at(&root, 1_780_000_000).unwrap_err();
    assert!(err.is_unavailable(), "{err}");
    assert!(matches!(err, RpcError::Unreachable { .. }), "{err}");
}

#[test]
fn registry_reverts_name_the_contract_custom_errors() {
    let anvil = Anvil::start();
    let client = Client::new(&anvil.url()).unwrap();
    let registry = deploy(&client);
    let (owner, issuer, stranger) = (signer(OWNER_KEY), signer(ISSUER_KEY), signer(STRANGER_KEY));
    let root = Fr::from(41u8);

    // Only the issuer publishes: the owner is refused with the contract's custom error.
    let err = client.publish_root(&owner, registry, &root).unwrap_err();
    assert_eq!(
        err.revert().and_then(|r| r.custom_name()),
        Some("NotIssuer"),
        "{err}"
    );
    assert!(err.to_string().contains("NotIssuer()"), "{err}");

    let mined = client.publish_root(&issuer, registry, &root).unwrap();
    assert!(mined.gas_used > 21_000, "{mined:?}");
    let err = client.publish_root(&issuer, registry, &root).unwrap_err();
    assert_eq!(
        err.revert().and_then(|r| r.custom_name()),
        Some("RootIsCurrent"),
        "{err}"
    );

    // Only the owner appoints the issuer.
    let err = client
        .set_issuer(&stranger, registry, stranger.address(), false)
        .unwrap_err();
    assert_eq!(
        err.revert().and_then(|r| r.custom_name()),
        Some("NotOwner"),
        "{err}"
    );
    client
        .set_issuer(&owner, registry, stranger.address(), false)
        .unwrap();
    assert_eq!(client.issuer(registry).unwrap(), stranger.address());
    assert_eq!(client.owner(registry).unwrap(), owner.address());
    let err = client
        .publish_root(&issuer, registry, &Fr::from(42u8))
        .unwrap_err();
    assert_eq!(
        err.revert().and_then(|r| r.custom_name()),
        Some("NotIssuer"),
        "{err}"
    );
    client
        .publish_root(&stranger, registry, &Fr::from(42u8))
        .unwrap();
    assert_eq!(client.current_root(registry).unwrap(), Some(Fr::from(42u8)));
    let info = client.root_info(registry, &root).unwrap().unwrap();
    assert!(info.replaced_at.is_some_and(|t| t >= info.published_at));

    // A registry without an issuer cannot be deployed.
    let err = client
        .deploy_registry(&owner, Address::ZERO, WINDOW)
        .unwrap_err();
    assert_eq!(
        err.revert().and_then(|r| r.custom_name()),
        Some("ZeroAddress"),
        "{err}"
    );

    // The CLI reports the same, with exit code 1.
    let dir = TempDir::new().unwrap();
    let err = fails(
        dir.path(),
        &[
            "publish-root",
            "--rpc-url",
            &anvil.url(),
            "--registry",
            &registry.to_string(),
            "--private-key",
            OWNER_KEY,
            "--root",
            &fr_to_hex(&Fr::from(43u8)),
        ],
        1,
    );
    assert!(err.contains("reverted: custom error NotIssuer()"), "{err}");
}

// ---- claims -----------------------------------------------------------------------------------

#[test]
fn claim_is_accepted_on_chain_once_and_the_same_treatment_refused_after() {
    use zkhealth::{
        circuits::{
            circuit::ClaimCircuit,
            credential::{Credential, HolderSecret},
            merkle::MerkleTree,
            policy::{Condition, Operand, Operator, Policy},
            Scope,
        },
        evm::{accepted_claim_policy, challenge_for, submit_claim_calldata, NO_CONTEXT},
        prover::{setup_circuit, ClaimRequest, Held, Prover},
        records::{
            claims::Claims, codes, schema::treatment, CoverageRecord, Record, TreatmentRecord,
        },
        rpc::Revert,
        testing::rng,
    };
    const INSURER: &str = "NL-ZILVERENKRUIS";
    const PROVIDERS: &str = "NL-ZORGREGISTER";
    const EVENT: &str = "2026-claims";
    const AMOUNT: u32 = 12_500;

    let anvil = Anvil::start();
    let client = Client::new(&anvil.url()).unwrap();
    let chain_day = Day::from_unix_seconds(client.latest_block_time().unwrap()).unwrap();
    let (owner, insurer, provider) = (signer(OWNER_KEY), signer(ISSUER_KEY), signer(STRANGER_KEY));
    let holder = signer(SUBMITTER_KEY);

    // The claim circuit's keys (depth 2), the holder's coverage and treatment.
    let (artifact, vk) = setup_circuit::<ClaimCircuit, _>(2, &mut rng(1)).unwrap();
    let prover = Prover::new(artifact);
    let mut r = rng(2);
    let secret = HolderSecret::random(&mut r);
    let day = |offset: i64| {
        if offset < 0 {
            chain_day.checked_sub(offset.unsigned_abs() as u32).unwrap()
        } else {
            chain_day.checked_add(offset as u32).unwrap()
        }
    };
    let coverage = Credential::new(
        &Record::Coverage(CoverageRecord {
            payer: INSURER.into(),
            plan: "BASIS".into(),
            status: codes::coverage::ACTIVE.into(),
            period_start: day(-30),
            period_end: day(300),
            categories: vec![codes::coverage::OUTPATIENT.into()],
            annual_limit: 500_000,
        }),
        INSURER,
        secret.holder_key(),
        day(365),
        &mut r,
    )
    .unwrap();
    let treatment_record = Credential::new(
        &Record::Treatment(TreatmentRecord {
            provider: "NL-AMC".into(),
            category: codes::coverage::OUTPATIENT.into(),
            procedure: "SNOMED:80146002".into(),
            date: day(-3),
            amount: AMOUNT,
            treatment_id: "AMC-000417".into(),
        }),
        PROVIDERS,
        secret.holder_key(),
        day(365),
        &mut r,
    )
    .unwrap();
    let mut insurer_tree = MerkleTree::new(2).unwrap();
    let cov_index = insurer_tree.append(coverage.commit()).unwrap();
    let mut provider_tree = MerkleTree::new(2).unwrap();
    let trt_index = provider_tree.append(treatment_record.commit()).unwrap();

    // Both registries, each root published by its issuer; the claims contract against them.
    let insurer_registry = client
        .deploy_registry(&owner, insurer.address(), WINDOW)
        .unwrap()
        .address;
    let provider_registry = client
        .deploy_registry(&owner, provider.address(), WINDOW)
        .unwrap()
        .address;
    client
        .publish_root(&insurer, insurer_registry, &insurer_tree.root())
        .unwrap();
    client
        .publish_root(&provider, provider_registry, &provider_tree.root())
        .unwrap();
    let contract = client
        .deploy_claims(&owner, &vk, insurer_registry, provider_registry, EVENT)
        .unwrap()
        .address;

    // The insurer's policies: an active coverage of its own; a treatment of at most 1,000.00,
    // disclosing its amount, accepted for this amount.
    let cov_policy = Claims::coverage(INSURER)
        .payer_is(INSURER)
        .status_active()
        .build()
        .unwrap();
    let mut trt_policy = Policy::new(treatment::SCHEMA, PROVIDERS);
    trt_policy.conditions = vec![Condition::new(
        treatment::AMOUNT,
        Operator::Le,
        vec![Operand::Number(100_000)],
    )];
    trt_policy.disclose = vec![treatment::AMOUNT];
    let policy = accepted_claim_policy(&cov_policy, &trt_policy, AMOUNT.into()).unwrap();
    client
        .accept_claim_policy(&owner, contract, &policy)
        .unwrap();

    // A claim for a sender: the challenge bound to it, the contract's scope.
    let cov_path = insurer_tree.path(cov_index).unwrap();
    let trt_path = provider_tree.path(trt_index).unwrap();
    let claim_for = |sender: Address, seed: u64| {
        let claim = prover
            .prove_claim_with_rng(
                &ClaimRequest {
                    secret: &secret,
                    coverage: Held {
                        credential: &coverage,
                        path: &cov_path,
                        policy: &cov_policy,
                    },
                    treatment: Held {
                        credential: &treatment_record,
                        path: &trt_path,
                        policy: &trt_policy,
                    },
                    today: chain_day,
                    challenge: challenge_for(
                        ANVIL_CHAIN_ID,
                        contract.into_array(),
                        sender.into_array(),
                        NO_CONTEXT,
                    ),
                    scope: Scope::of_contract(ANVIL_CHAIN_ID, contract.into_array(), EVENT)
                        .unwrap(),
                },
                &mut rng(seed),
            )
            .unwrap();
        (
            claim.statement.nullifier,
            submit_claim_calldata(&claim, NO_CONTEXT).unwrap(),
        )
    };

    // Accepted once, with the amount in its event; the nullifier is now used.
    let (nullifier, calldata) = claim_for(holder.address(), 3);
    assert!(!client
        .is_claim_nullifier_used(contract, &nullifier)
        .unwrap());
    let mined = client.submit_claim(&holder, contract, &calldata).unwrap();
    println!(
        "submitClaim on anvil: gas used {} (transaction {})",
        mined.gas_used, mined.tx_hash
    );
    assert!((290_000..300_000).contains(&mined.gas_used), "{mined:?}");
    assert!(client
        .is_claim_nullifier_used(contract, &nullifier)
        .unwrap());

    // The same treatment claimed again, by another sender with its own challenge and a proof of
    // other randomness: the same nullifier, refused.
    let stranger = signer(ISSUER_KEY);
    let (again, calldata) = claim_for(stranger.address(), 4);
    assert_eq!(again, nullifier);
    match client.submit_claim(&stranger, contract, &calldata) {
        Err(RpcError::Reverted { revert, .. }) => {
            assert!(matches!(*revert, Revert::Claims(_)), "{revert}");
            assert_eq!(
                revert.custom_name(),
                Some("NullifierAlreadyUsed"),
                "{revert}"
            );
        }
        other => panic!("expected NullifierAlreadyUsed, got {other:?}"),
    }
}
