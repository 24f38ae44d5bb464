//! `zkhealth serve` as real processes, loaded by real concurrent clients.
//!
//! - On PostgreSQL (a real server started by the test, Debian's `postgresql`; `.ci/run`
//!   installs it with `scripts/install-postgres.sh`), two instances: 2,000 concurrent
//!   submissions of 500 distinct valid presentations, each sent four times across both
//!   instances, give exactly 500 acceptances and 1,500 refusals as reused; then the same with a
//!   SIGKILL of one instance in the middle of the load and its restart: no acknowledged
//!   acceptance is lost (every presentation is recorded, each acknowledged at most once).
//! - The same on the embedded redb store with one instance.
//! - Bad input and abuse: malformed JSON, a garbage QR text, an oversized body, a slow body and a
//!   flood of challenge requests each get a clear 4xx or 429 with a code, and the service keeps
//!   serving: after each, and other clients while a body trickles in and while one address
//!   floods; `/metrics` counts every request by route and status.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../service/tests/support/postgres.rs"]
mod postgres_server;

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, Read, Write},
    net::{Ipv4Addr, SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Barrier, Mutex, RwLock,
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use rand_core::RngCore;
use zkhealth::{
    circuits::{
        credential::{Credential, HolderSecret},
        date::Day,
        field::fr_from_hex,
        policy::Policy,
        Scope,
    },
    prover::ProveRequest,
    records::schema,
    registry::Registry,
    testing::{prover_at, rng, vaccination_record, ISSUER},
    verifier::{IssuerRoots, LocalRoots},
};

/// Registry depth: 4^5 = 1,024 leaves, room for 500 holders (the depth does not matter here).
const DEPTH: u32 = 5;
/// Distinct presentations in a load.
const HOLDERS: usize = 500;
/// Times each is sent.
const COPIES: usize = 4;
const VERIFIER: &str = "claims-desk";

/// The tests of this file one at a time: each loads the machine (thousands of client threads,
/// hundreds of proofs) and some are bounded in time (challenge expiry, request timeouts).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
const EVENT: &str = "2026-settlement";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The verifier's files (key, policy, roots) and 500 holders with credentials in one registry.
struct World {
    dir: tempfile::TempDir,
    policy: Policy,
    registry: Registry,
    holders: Vec<(HolderSecret, Credential, u64)>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let prover = prover_at(DEPTH);
        let key = prover.artifact().verifying_key();
        std::fs::write(d.join("presentation.vk"), key.to_file_bytes()).unwrap();
        std::fs::write(d.join("key-id.txt"), key.id().to_string()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_zkhealth"))
            .args([
                "policy",
                "standard-vaccination",
                "--issuer",
                ISSUER,
                "--disclose",
                "country",
                "--out",
            ])
            .arg(d.join("policy.json"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let policy =
            schema::policy_from_json(&std::fs::read_to_string(d.join("policy.json")).unwrap())
                .unwrap();
        let today = Day::from_unix_seconds(now()).unwrap();
        let mut rng = rng(15);
        let mut registry = Registry::new(DEPTH, 3_600).unwrap();
        let issued_at = now() - 120;
        let holders = (0..HOLDERS)
            .map(|_| {
                let secret = HolderSecret::random(&mut rng);
                let record = vaccination_record("1990-04-12", Day(today.0 - 60));
                let expiry = Day(today.0 + 300);
                let credential =
                    Credential::new(&record, ISSUER, secret.holder_key(), expiry, &mut rng)
                        .unwrap();
                let index = registry.append(credential.commit(), issued_at).unwrap();
                (secret, credential, index)
            })
            .collect();
        let roots = IssuerRoots::new(ISSUER, LocalRoots::new(registry.history().clone())).unwrap();
        std::fs::write(d.join("roots.json"), roots.to_json()).unwrap();
        World {
            dir,
            policy,
            registry,
            holders,
        }
    }

    /// A configuration for `database`, with `extra` lines at the top, reading `roots.json`.
    fn config(&self, name: &str, database: &str, extra: &str) -> PathBuf {
        self.config_with_roots(name, database, extra, "roots.json")
    }

    /// A configuration for `database`, with `extra` lines at the top, reading the roots file
    /// `roots`.
    fn config_with_roots(&self, name: &str, database: &str, extra: &str, roots: &str) -> PathBuf {
        let d = self.dir.path();
        let key_id = std::fs::read_to_string(d.join("key-id.txt")).unwrap();
        let text = format!(
            "listen = \"127.0.0.1:0\"\ndatabase = \"{database}\"\n{extra}\n\
             [[verifiers]]\nverifier = \"{VERIFIER}\"\nevent = \"{EVENT}\"\n\
             key = \"presentation.vk\"\nkey_id = \"{key_id}\"\npolicy = \"policy.json\"\n\
             roots = \"{roots}\"\n"
        );
        let path = d.join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Holder `i`'s presentation for `challenge`, as QR text.
    fn present(&self, i: usize, challenge: &str) -> String {
        let (secret, credential, index) = &self.holders[i];
        let path = self.registry.path(*index).unwrap();
        let request = ProveRequest {
            secret,
            credential,
            path: &path,
            policy: &self.policy,
            today: Day::from_unix_seconds(now()).unwrap(),
            challenge: fr_from_hex(challenge).unwrap(),
            scope: Scope::named(VERIFIER, EVENT).unwrap(),
        };
        let mut r = rng(1_000 + i as u64);
        prover_at(DEPTH)
            .prove_with_rng(&request, &mut r)
            .unwrap()
            .to_qr_text()
            .unwrap()
    }
}

/// A running `zkhealth serve`; killed when dropped.
struct Instance {
    child: Child,
    url: String,
    config: PathBuf,
    stderr: Arc<Mutex<String>>,
}

impl Instance {
    fn start(config: &Path, listen: Option<&str>) -> Instance {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkhealth"));
        cmd.arg("serve").arg("--config").arg(config);
        if let Some(addr) = listen {
            cmd.args(["--listen", addr]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let log = stderr.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = match lines.next() {
            Some(Ok(line)) => line,
            _ => {
                let status = child.wait().unwrap();
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "zkhealth serve did not start ({status}):\n{}",
                    stderr.lock().unwrap()
                );
            }
        };
        let url = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("zkhealth serve prints its address: {first}"))
            .to_string();
        std::thread::spawn(move || for _ in lines {});
        Instance {
            child,
            url,
            config: config.to_path_buf(),
            stderr,
        }
    }

    fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
    }

    /// SIGKILL, then a new process on the same address and configuration.
    fn kill_and_restart(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let addr = self.addr();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // The port may take a moment to be free again.
            let attempt = std::panic::catch_unwind(|| Instance::start(&self.config, Some(&addr)));
            match attempt {
                Ok(next) => {
                    *self = next;
                    return;
                }
                Err(e) if Instant::now() > deadline => std::panic::resume_unwind(e),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// SIGTERM, and waits for the graceful stop.
    fn stop(mut self) -> String {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful stop: {status}");
        std::thread::sleep(Duration::from_millis(100));
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build()
}

/// An HTTP answer: status and JSON body; `None` when no answer came (connection refused or
/// reset: the instance is down).
fn post(
    agent: &ureq::Agent,
    url: &str,
    content_type: &str,
    body: &str,
) -> Option<(u16, serde_json::Value)> {
    let answer = agent
        .post(url)
        .set("Content-Type", content_type)
        .send_string(body);
    let response = match answer {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(_)) => return None,
    };
    let status = response.status();
    let json = response.into_json().unwrap_or(serde_json::Value::Null);
    Some((status, json))
}

fn challenges(url: &str, n: usize) -> Vec<String> {
    let agent = agent();
    (0..n)
        .map(|_| {
            let (status, json) = post(
                &agent,
                &format!("{url}/v1/challenges"),
                "application/json",
                "{}",
            )
            .unwrap();
            assert_eq!(status, 201, "{json}");
            json["challenge"].as_str().unwrap().to_string()
        })
        .collect()
}

/// What the clients saw of one load.
#[derive(Default)]
struct Tally {
    /// Acknowledged acceptances per presentation.
    accepted: Vec<usize>,
    /// Refusal codes.
    refused: Vec<String>,
    /// Submissions that had to be sent again (no answer: the instance was down).
    resent: usize,
    /// Answers given before the kill, when there was one.
    answered_at_kill: Option<usize>,
}

/// Sends every presentation `COPIES` times, all at once from one thread per submission, spread
/// over the instances; with `kill`, SIGKILLs and restarts the first instance after `kill`
/// answers. A submission without an answer is sent again (to the next instance) until answered.
fn load(instances: &mut [Instance], presentations: &[String], kill: Option<usize>) -> Tally {
    let urls: Arc<RwLock<Vec<String>>> = Arc::new(RwLock::new(
        instances.iter().map(|i| i.url.clone()).collect(),
    ));
    let mut order: Vec<usize> = (0..presentations.len() * COPIES)
        .map(|i| i % presentations.len())
        .collect();
    let mut r = rng(77);
    for i in (1..order.len()).rev() {
        let j = (r.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let presentations = Arc::new(presentations.to_vec());
    let answered = Arc::new(AtomicUsize::new(0));
    let resent = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(order.len() + 1));
    let threads: Vec<_> = order
        .iter()
        .enumerate()
        .map(|(n, &p)| {
            let (urls, presentations, answered, resent, barrier) = (
                urls.clone(),
                presentations.clone(),
                answered.clone(),
                resent.clone(),
                barrier.clone(),
            );
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let agent = agent();
                    barrier.wait();
                    let deadline = Instant::now() + Duration::from_secs(300);
                    let mut attempt = 0;
                    loop {
                        let url = {
                            let urls = urls.read().unwrap();
                            urls[(n + attempt) % urls.len()].clone()
                        };
                        let answer = post(
                            &agent,
                            &format!("{url}/v1/presentations"),
                            "text/plain",
                            &presentations[p],
                        );
                        match answer {
                            Some((503, _)) | None => {
                                assert!(Instant::now() < deadline, "no instance answered");
                                resent.fetch_add(1, Ordering::SeqCst);
                                attempt += 1;
                                std::thread::sleep(Duration::from_millis(50));
                            }
                            Some((status, json)) => {
                                answered.fetch_add(1, Ordering::SeqCst);
                                return (p, status, json);
                            }
                        }
                    }
                })
                .unwrap()
        })
        .collect();
    barrier.wait();
    let mut answered_at_kill = None;
    if let Some(after) = kill {
        while answered.load(Ordering::SeqCst) < after {
            std::thread::sleep(Duration::from_millis(5));
        }
        answered_at_kill = Some(answered.load(Ordering::SeqCst));
        instances[0].kill_and_restart();
        urls.write().unwrap()[0] = instances[0].url.clone();
    }
    let mut tally = Tally {
        accepted: vec![0; presentations.len()],
        answered_at_kill,
        ..Tally::default()
    };
    for t in threads {
        let (p, status, json) = t.join().unwrap();
        if json["accepted"] == true {
            assert_eq!(status, 200, "{json}");
            tally.accepted[p] += 1;
        } else {
            assert_eq!(status, 422, "{json}");
            tally
                .refused
                .push(json["code"].as_str().unwrap_or("?").to_string());
        }
    }
    tally.resent = resent.load(Ordering::SeqCst);
    tally
}

/// Challenges from the first instance and one presentation per holder for them.
fn presentations(world: &World, url: &str) -> Vec<String> {
    let challenges = challenges(url, HOLDERS);
    // Small proofs use one core each poorly: one prover thread per core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = HOLDERS.div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = challenges
            .chunks(chunk)
            .enumerate()
            .map(|(k, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(j, c)| world.present(k * chunk + j, c))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|t| t.join().unwrap()).collect()
    })
}

const LOAD_SETTINGS: &str =
    "challenges_burst = 5000\nchallenges_per_second = 5000\nrequest_timeout_ms = 120000";

/// Exactly one acceptance per presentation, every other answer a reuse.
fn assert_exactly_once(tally: &Tally) {
    assert!(
        tally.accepted.iter().all(|&n| n == 1),
        "each presentation is accepted once"
    );
    assert_eq!(tally.accepted.iter().sum::<usize>(), HOLDERS);
    assert_eq!(tally.refused.len(), HOLDERS * (COPIES - 1));
    assert!(
        tally.refused.iter().all(|c| c == "nullifier_reused"),
        "{:?}",
        tally.refused
    );
}

/// After a kill: no presentation acknowledged twice, every refusal a reuse, and every
/// presentation recorded (sent again, each is refused as reused), so no acknowledged acceptance
/// was lost.
fn assert_nothing_lost_or_doubled(tally: &Tally, url: &str, presentations: &[String]) {
    assert!(
        tally.accepted.iter().all(|&n| n <= 1),
        "no presentation is acknowledged twice"
    );
    assert!(
        tally.refused.iter().all(|c| c == "nullifier_reused"),
        "{:?}",
        tally.refused
    );
    let at_kill = tally.answered_at_kill.unwrap();
    assert!(at_kill < HOLDERS * COPIES, "the kill came during the load");
    let agent = agent();
    for p in presentations {
        let (status, json) =
            post(&agent, &format!("{url}/v1/presentations"), "text/plain", p).unwrap();
        assert_eq!(
            (status, json["code"].as_str()),
            (422, Some("nullifier_reused")),
            "{json}"
        );
    }
    println!(
        "kill after {at_kill} answers: {} acknowledged, {} refused as reused, {} resent",
        tally.accepted.iter().sum::<usize>(),
        tally.refused.len(),
        tally.resent
    );
}

fn count_nullifiers(database: &str) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        zkhealth_service::store::Store::open(database)
            .await
            .unwrap()
            .nullifier_count()
            .await
            .unwrap()
    })
}

#[test]
fn two_instances_on_postgresql_accept_each_presentation_once_even_through_a_kill() {
    let _serial = serial();
    let world = World::new();
    let server = postgres_server::PgServer::start();
    for (round, kill) in [("steady", None), ("killed", Some(HOLDERS * COPIES / 3))] {
        let database = server.create_database(&format!("zkh_{round}"));
        let config = world.config(&format!("pg-{round}"), &database, LOAD_SETTINGS);
        let mut instances = vec![
            Instance::start(&config, None),
            Instance::start(&config, None),
        ];
        // Challenges from the second instance, answered across both: the store is shared.
        let presentations = presentations(&world, &instances[1].url);
        let start = Instant::now();
        let tally = load(&mut instances, &presentations, kill);
        println!(
            "postgresql, {round}: 2,000 submissions answered in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        match kill {
            None => assert_exactly_once(&tally),
            Some(_) => assert_nothing_lost_or_doubled(&tally, &instances[1].url, &presentations),
        }
        for instance in instances {
            instance.stop();
        }
        assert_eq!(count_nullifiers(&database), HOLDERS as u64);
    }
}

#[test]
fn one_instance_on_redb_accepts_each_presentation_once_even_through_a_kill() {
    let _serial = serial();
    let world = World::new();
    for (round, kill) in [("steady", None), ("killed", Some(HOLDERS * COPIES / 3))] {
        let database = world.dir.path().join(format!("{round}.redb"));
        let database = database.to_str().unwrap();
        let config = world.config(&format!("redb-{round}"), database, LOAD_SETTINGS);
        let mut instances = vec![Instance::start(&config, None)];
        let presentations = presentations(&world, &instances[0].url);
        let start = Instant::now();
        let tally = load(&mut instances, &presentations, kill);
        println!(
            "redb, {round}: 2,000 submissions answered in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        match kill {
            None => assert_exactly_once(&tally),
            Some(_) => assert_nothing_lost_or_doubled(&tally, &instances[0].url, &presentations),
        }
        let instance = instances.pop().unwrap();
        let log = instance.stop();
        assert!(!log.contains("panicked"), "{log}");
        assert_eq!(count_nullifiers(database), HOLDERS as u64);
    }
}

/// Sends raw bytes and returns the status line's code and the body.
fn raw(addr: &str, request: &[u8]) -> (u16, String) {
    raw_on(TcpStream::connect(addr).unwrap(), request)
}

/// Sends raw bytes on `stream` and returns the status line's code and the body.
fn raw_on(mut stream: TcpStream, request: &[u8]) -> (u16, String) {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request).unwrap();
    read_answer(&mut stream)
}

/// Reads an answer to its end: the status line's code and the body.
fn read_answer(stream: &mut TcpStream) -> (u16, String) {
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let answer = String::from_utf8_lossy(&bytes);
    let code = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (code, body)
}

/// A POST of one shot (`Connection: close`) for [`raw_on`].
fn http_request(addr: &str, target: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Another client as far as the service can tell: Linux routes all of 127.0.0.0/8 to the
/// loopback interface, so a connection from 127.0.0.2 reaches a service on 127.0.0.1 with
/// another peer address.
const OTHER_CLIENT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// A connection to `addr` from the local address `from`.
fn connect_from(from: Ipv4Addr, addr: &str) -> TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::from((from, 0))).unwrap();
        let stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        let stream = stream.into_std().unwrap();
        stream.set_nonblocking(false).unwrap();
        stream
    })
}

/// The samples of the counter family `name` in a Prometheus text exposition, by their labels
/// (`route="/healthz",status="200"`).
fn counter_samples(metrics: &str, name: &str) -> BTreeMap<String, u64> {
    let prefix = format!("{name}_total{{");
    metrics
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .map(|rest| {
            let (labels, value) = rest.split_once("} ").unwrap();
            (labels.to_string(), value.trim().parse().unwrap())
        })
        .collect()
}

#[test]
fn bad_input_and_abuse_get_clear_answers_and_the_service_keeps_serving() {
    let _serial = serial();
    let world = World::new();
    let database = world.dir.path().join("abuse.redb");
    // The request time leaves ample room to serve another client while a body trickles in.
    let settings = "max_body_bytes = 16384\nrequest_timeout_ms = 5000\nchallenges_burst = 20\nchallenges_per_second = 2";
    let config = world.config("abuse", database.to_str().unwrap(), settings);
    let instance = Instance::start(&config, None);
    let url = instance.url.clone();
    let agent = agent();
    let presentations_url = format!("{url}/v1/presentations");
    let code = |answer: Option<(u16, serde_json::Value)>| {
        let (status, json) = answer.unwrap();
        (status, json["code"].as_str().unwrap_or("").to_string())
    };

    // Valid presentations: one kept for the end, one for another client while a body trickles
    // in. Every challenge issued and refused is counted, for the request counter.
    let issued = challenges(&url, 2);
    let valid = world.present(0, &issued[0]);
    let while_trickling = world.present(1, &issued[1]);
    let mut challenges_issued = issued.len() as u64;

    assert_eq!(
        code(post(
            &agent,
            &presentations_url,
            "application/json",
            "{\"presentation\": "
        )),
        (400, "malformed_request".into())
    );
    assert_eq!(
        code(post(
            &agent,
            &presentations_url,
            "application/json",
            "{\"verifier\": 7, \"presentation\": \"x\"}"
        )),
        (400, "malformed_request".into())
    );
    assert_eq!(
        code(post(
            &agent,
            &presentations_url,
            "text/plain",
            "ZKH1:this is not base45 at all"
        )),
        (400, "malformed_presentation".into())
    );
    assert_eq!(
        code(post(
            &agent,
            &presentations_url,
            "application/json",
            "{\"presentation\": {\"circuit\": 1}}"
        )),
        (400, "malformed_presentation".into())
    );
    assert_eq!(
        code(post(
            &agent,
            &format!("{presentations_url}?verifier=nobody"),
            "text/plain",
            &valid
        )),
        (404, "unknown_verifier".into())
    );
    // An oversized body is refused from its announced length, before it is read (a client
    // still sending it sees the connection close, so this one sends only the start).
    let addr = instance.addr();
    let oversized = format!(
        "POST /v1/presentations HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n{}",
        "A".repeat(1_000)
    );
    let (status, body) = raw(&addr, oversized.as_bytes());
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("\"code\":\"body_too_large\""), "{body}");
    let batch_url = format!("{url}/v1/presentations:batch");
    assert_eq!(
        code(post(&agent, &batch_url, "application/json", "[1, 2]")),
        (400, "malformed_request".into())
    );

    // A slow body: headers promise 1,000 bytes, a few arrive, then nothing.
    let slow = format!(
        "POST /v1/presentations HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nZKH1:"
    );
    let started = Instant::now();
    let (status, body) = raw(&addr, slow.as_bytes());
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("\"code\":\"timeout\""), "{body}");
    assert!(started.elapsed() < Duration::from_secs(20));

    // A body trickling in (a byte every 50 ms, never reaching its announced length) holds its
    // request open until the request time; meanwhile another client is answered: health, a
    // challenge, and a presentation accepted with its disclosed value.
    let mut trickled = TcpStream::connect(&addr).unwrap();
    trickled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    trickled.write_all(slow.as_bytes()).unwrap();
    let trickling = Arc::new(AtomicBool::new(true));
    let trickled_bytes = Arc::new(AtomicUsize::new(0));
    let trickle = {
        let (mut stream, trickling, sent) = (
            trickled.try_clone().unwrap(),
            trickling.clone(),
            trickled_bytes.clone(),
        );
        std::thread::spawn(move || {
            while trickling.load(Ordering::SeqCst) && sent.load(Ordering::SeqCst) < 900 {
                if stream.write_all(b"A").is_err() {
                    break;
                }
                sent.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while trickled_bytes.load(Ordering::SeqCst) < 3 {
        assert!(Instant::now() < deadline, "the body trickles in");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        agent
            .get(&format!("{url}/healthz"))
            .call()
            .unwrap()
            .status(),
        200
    );
    challenges(&url, 1);
    challenges_issued += 1;
    let (status, json) = post(&agent, &presentations_url, "text/plain", &while_trickling).unwrap();
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["accepted"], true, "{json}");
    assert_eq!(json["disclosed"][0]["value"], "NL", "{json}");
    // All answered while the trickled request still waits for its body: nothing on it yet.
    trickled.set_nonblocking(true).unwrap();
    let pending = trickled.peek(&mut [0u8; 1]);
    assert!(
        matches!(&pending, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the trickled request is still open after the other client's answers: {pending:?}"
    );
    trickled.set_nonblocking(false).unwrap();
    trickling.store(false, Ordering::SeqCst);
    trickle.join().unwrap();
    let (status, body) = read_answer(&mut trickled);
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("\"code\":\"timeout\""), "{body}");

    // A flood of challenge requests: the burst, then 429 with Retry-After.
    let mut limited = 0;
    for _ in 0..100 {
        match agent.post(&format!("{url}/v1/challenges")).send_string("") {
            Ok(r) => assert_eq!(r.status(), 201),
            Err(ureq::Error::Status(429, r)) => {
                assert!(r.header("Retry-After").is_some());
                let json: serde_json::Value = r.into_json().unwrap();
                assert_eq!(json["code"], "rate_limited");
                limited += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        limited >= 70,
        "the flood is limited: {limited} of 100 refused"
    );
    challenges_issued += 100 - limited;
    let mut challenges_refused = limited;

    // The limit is kept per client address (the peer's IP): while this address goes on
    // flooding and is refused, another address (127.0.0.2) is issued a challenge and its
    // presentation is accepted, and the flooding address is still answered on the routes that
    // are not limited.
    let flooding = Arc::new(AtomicBool::new(true));
    let flood_issued = Arc::new(AtomicUsize::new(0));
    let flood_refused = Arc::new(AtomicUsize::new(0));
    let flooder = {
        let (flooding, issued, refused) = (
            flooding.clone(),
            flood_issued.clone(),
            flood_refused.clone(),
        );
        let (agent, challenges_url) = (agent.clone(), format!("{url}/v1/challenges"));
        std::thread::spawn(move || {
            while flooding.load(Ordering::SeqCst) {
                match agent.post(&challenges_url).send_string("") {
                    Ok(r) => {
                        assert_eq!(r.status(), 201);
                        issued.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(ureq::Error::Status(429, r)) => {
                        let json: serde_json::Value = r.into_json().unwrap();
                        assert_eq!(json["code"], "rate_limited");
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => panic!("{e}"),
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let refused_beyond = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while flood_refused.load(Ordering::SeqCst) <= n {
            assert!(Instant::now() < deadline, "the flood goes on being refused");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    refused_beyond(0);
    let other = |target: &str, content_type: &str, body: &str| {
        raw_on(
            connect_from(OTHER_CLIENT, &addr),
            &http_request(&addr, target, content_type, body),
        )
    };
    let (status, body) = other("/v1/challenges", "application/json", "{}");
    assert_eq!(status, 201, "{body}");
    challenges_issued += 1;
    let issued_to_other: serde_json::Value = serde_json::from_str(&body).unwrap();
    let from_other = world.present(2, issued_to_other["challenge"].as_str().unwrap());
    let (status, body) = other("/v1/presentations", "text/plain", &from_other);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"accepted\":true"), "{body}");
    assert_eq!(
        agent
            .get(&format!("{url}/healthz"))
            .call()
            .unwrap()
            .status(),
        200
    );
    // The flooding address is refused again after the other was served: the flood went on.
    refused_beyond(flood_refused.load(Ordering::SeqCst));
    flooding.store(false, Ordering::SeqCst);
    flooder.join().unwrap();
    challenges_issued += flood_issued.load(Ordering::SeqCst) as u64;
    challenges_refused += flood_refused.load(Ordering::SeqCst) as u64;

    // Still serving: health, metrics, the valid presentation once, then its reuse.
    assert_eq!(
        agent
            .get(&format!("{url}/healthz"))
            .call()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        code(post(&agent, &presentations_url, "text/plain", &valid)).0,
        200
    );
    assert_eq!(
        code(post(&agent, &presentations_url, "text/plain", &valid)),
        (422, "nullifier_reused".into())
    );
    // As a batch item, with a garbage one beside it: answered per item.
    let batch = serde_json::json!({ "presentations": [valid, "garbage"] }).to_string();
    let (status, json) = post(&agent, &batch_url, "application/json", &batch).unwrap();
    assert_eq!(status, 200);
    assert_eq!(json["results"][0]["code"], "nullifier_reused");
    assert_eq!(json["results"][1]["code"], "malformed_presentation");
    let metrics = agent
        .get(&format!("{url}/metrics"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    for line in [
        // The one kept for the end, the one while a body trickled in, the other address's.
        "zkhealth_presentations_accepted_total{verifier=\"claims-desk\"} 3",
        "zkhealth_presentations_refused_total{code=\"rate_limited\"}",
        "zkhealth_presentations_refused_total{code=\"nullifier_reused\"} 2",
        "zkhealth_http_request_duration_seconds_bucket",
        "zkhealth_verification_batch_size_count",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
    // Every request this test made, counted by route and status (a request is counted once
    // answered, so this `/metrics` request is not in its own answer).
    assert!(
        metrics.contains("# TYPE zkhealth_http_requests counter"),
        "{metrics}"
    );
    let expected: BTreeMap<String, u64> = [
        // While a body trickled in, during the flood, after it.
        ("/healthz", 200, 3),
        ("/v1/challenges", 201, challenges_issued),
        ("/v1/challenges", 429, challenges_refused),
        ("/v1/presentations", 200, 3),
        // Malformed JSON, a verifier that is not a string, a garbage QR text, a presentation
        // JSON that does not decode.
        ("/v1/presentations", 400, 4),
        ("/v1/presentations", 404, 1),
        // The body that stopped arriving, the one that trickled in.
        ("/v1/presentations", 408, 2),
        ("/v1/presentations", 413, 1),
        ("/v1/presentations", 422, 1),
        ("/v1/presentations:batch", 200, 1),
        ("/v1/presentations:batch", 400, 1),
    ]
    .into_iter()
    .map(|(route, status, n)| (format!("route=\"{route}\",status=\"{status}\""), n))
    .collect();
    assert_eq!(
        counter_samples(&metrics, "zkhealth_http_requests"),
        expected,
        "{metrics}"
    );
    let log = instance.stop();
    assert!(!log.contains("panicked"), "{log}");
    assert!(
        log.contains("\"status\":413"),
        "structured logs name each answer:\n{log}"
    );
}

/// Holder `i`'s presentation for a fresh challenge from the service at `url`.
fn fresh(world: &World, url: &str, i: usize) -> String {
    let challenge = challenges(url, 1).remove(0);
    world.present(i, &challenge)
}

#[test]
fn roots_reload_batches_challenges_and_graceful_shutdown() {
    let _serial = serial();
    let world = World::new();
    let d = world.dir.path();
    // A snapshot of another state of the registry: the holders' root is not in it.
    let mut stale = Registry::new(DEPTH, 3_600).unwrap();
    stale
        .append(zkhealth::circuits::Fr::from(7u8), now() - 60)
        .unwrap();
    let stale = IssuerRoots::new(ISSUER, LocalRoots::new(stale.history().clone())).unwrap();
    std::fs::write(d.join("live-roots.json"), stale.to_json()).unwrap();
    let settings = "challenge_ttl_secs = 10\nroots_poll_ms = 100\nrequest_timeout_ms = 20000";
    let database = d.join("more.redb");
    let config = world.config_with_roots(
        "more",
        database.to_str().unwrap(),
        settings,
        "live-roots.json",
    );
    let instance = Instance::start(&config, None);
    let url = instance.url.clone();
    let agent = agent();
    let single = format!("{url}/v1/presentations");
    let verdict = |body: &str| {
        let (status, json) = post(&agent, &single, "text/plain", body).unwrap();
        (status, json["code"].as_str().unwrap_or("").to_string())
    };

    // The root is not in the snapshot; once the file is replaced, it is (no restart).
    let p0 = fresh(&world, &url, 0);
    assert_eq!(verdict(&p0), (422, "root_not_accepted".into()));
    let current = std::fs::read_to_string(d.join("roots.json")).unwrap();
    std::fs::write(d.join("live-roots.json.tmp"), current).unwrap();
    std::fs::rename(d.join("live-roots.json.tmp"), d.join("live-roots.json")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let p1 = fresh(&world, &url, 1);
    loop {
        let v = verdict(&p1);
        if v.0 == 200 {
            break;
        }
        assert_eq!(v, (422, "root_not_accepted".into()));
        assert!(Instant::now() < deadline, "the new snapshot was not loaded");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A snapshot that does not load leaves the last good one in place.
    std::fs::write(d.join("live-roots.json"), "{").unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(verdict(&fresh(&world, &url, 2)).0, 200);

    // Challenges: single use, issued here, expiring.
    let challenge = challenges(&url, 1).remove(0);
    let (a, b) = (world.present(3, &challenge), world.present(4, &challenge));
    assert_eq!(verdict(&a).0, 200);
    assert_eq!(verdict(&b), (422, "challenge_used".into()));
    let never_issued = world.present(
        5,
        &zkhealth::circuits::field::fr_to_hex(&zkhealth::circuits::Fr::from(99u8)),
    );
    assert_eq!(verdict(&never_issued), (422, "challenge_unknown".into()));
    let late = fresh(&world, &url, 6);
    std::thread::sleep(Duration::from_secs(11));
    assert_eq!(verdict(&late), (422, "challenge_expired".into()));

    // A batch, checked together and answered per item, in order: three fresh presentations,
    // one of them twice, and one for another verifier's scope.
    let items: Vec<String> = (7..10).map(|i| fresh(&world, &url, i)).collect();
    let mut batch = items.clone();
    batch.push(items[1].clone());
    let body = serde_json::json!({ "verifier": VERIFIER, "presentations": batch }).to_string();
    let (status, json) = post(
        &agent,
        &format!("{url}/v1/presentations:batch"),
        "application/json",
        &body,
    )
    .unwrap();
    assert_eq!(status, 200, "{json}");
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for r in &results[..3] {
        assert_eq!(r["accepted"], true, "{r}");
        assert_eq!(r["disclosed"][0]["name"], "country");
        assert_eq!(r["disclosed"][0]["value"], "NL");
    }
    assert_eq!(results[3]["code"], "nullifier_reused");

    // Graceful shutdown: a request in flight when SIGTERM arrives is answered.
    let p10 = fresh(&world, &url, 10);
    let addr = instance.addr();
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST /v1/presentations HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        p10.len()
    );
    let (first, rest) = p10.split_at(20);
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(first.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .args(["-TERM", &instance.child.id().to_string()])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"accepted\":true"), "{answer}");
    let log = instance.stop();
    assert!(
        log.contains("stopped: every request in flight was answered"),
        "{log}"
    );
    assert!(log.contains("roots reloaded"), "{log}");
    assert!(log.contains("previous one stays"), "{log}");
    // Recorded: 2 singles after the reload, 1 with the shared challenge, 3 in the batch, and
    // the one in flight at shutdown.
    assert_eq!(count_nullifiers(database.to_str().unwrap()), 7);
}
