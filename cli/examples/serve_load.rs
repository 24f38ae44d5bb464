//! Load generator for `zkhealth serve`: accepted verifications per second per server core, with
//! and without micro-batching, and the latency each client sees (p50, p90, p99, max).
//!
//! For each `--micro-batch` value it starts one `zkhealth serve` (a fresh database each), pinned
//! with `taskset` to the first `--server-cores` cores so that "per core" is literal, and
//! listening on 127.0.0.1 only. Setup, not timed: seeded development keys, a registry of
//! `--presentations` distinct holders (so distinct nullifiers), one challenge per holder from the
//! service, one presentation per holder (proved on every core; the slow part). Timed:
//! `--concurrency` client threads post each presentation exactly once (`POST /v1/presentations`,
//! the QR text as `text/plain`) over kept-alive connections; each request's latency runs from its
//! send to its full answer. The service's batch-size histogram (`GET /metrics`) and its CPU time
//! (`/proc/PID/stat`) are read after the load.
//!
//! Run it after building the service binary:
//!
//! ```text
//! cargo build --release -p zkhealth-cli
//! cargo run --release -p zkhealth-cli --example serve_load -- \
//!     --presentations 1000 --concurrency 64 --micro-batch 1,32 --server-cores 1
//! ```
//!
//! Bounds: at most 20,000 presentations and 1,024 client threads; each timed load is aborted
//! after `--max-seconds` (default 300); loopback only. The client is not pinned: it shares the
//! machine with the service (on a machine with more cores than `--server-cores` it mostly runs
//! on the others), so the numbers are a lower bound for a service on its own host. The service
//! logs each answer at the default level (`ZKHEALTH_LOG` is passed through to it).
//!
//! With `--database postgres://…` every run uses that database; each run verifies for its own
//! event (scope), so the runs' nullifiers never collide, and the rows stay in the database.
//!
//! Any answer other than an acceptance, and any aborted run, is reported with its code and makes
//! the tool exit non-zero. The last lines are a Markdown table for a README.

use std::{
    collections::{BTreeMap, VecDeque},
    error::Error,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, ExitCode, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex, RwLock,
    },
    thread::JoinHandle,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use clap::Parser;
use rand_core::{OsRng, RngCore};
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

type Res<T> = Result<T, Box<dyn Error>>;

/// The verifier id the service answers for.
const VERIFIER: &str = "load-desk";
/// The deepest registry the circuits support.
const MAX_DEPTH: u32 = 16;

/// Measures `zkhealth serve`: accepted verifications per second per server core and latency.
#[derive(Debug, Parser)]
#[command(name = "serve_load")]
struct Args {
    /// Distinct presentations per run (each posted once).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    presentations: u32,
    /// Client threads posting at once.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1_024))]
    concurrency: u32,
    /// Micro-batch settings, one run each (1: each verification on its own).
    #[arg(long, value_delimiter = ',', default_value = "1,32",
          value_parser = clap::value_parser!(u32).range(1..=4_096))]
    micro_batch: Vec<u32>,
    /// Cores the service is pinned to (`taskset -c 0-(K-1)`).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_024))]
    server_cores: u32,
    /// Longest timed load, in seconds; a run past it is aborted.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    max_seconds: u64,
    /// Smallest registry depth (raised to fit the holders; verification cost does not depend
    /// on it).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    depth: u32,
    /// `redb` (a fresh file per run, in a temporary directory) or a `postgres://` URL.
    #[arg(long, default_value = "redb")]
    database: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("serve_load: not every presentation was accepted (see above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("serve_load: {e}");
            ExitCode::FAILURE
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The smallest depth whose registry holds `n` credentials with a leaf to spare.
fn depth_for(n: usize) -> u32 {
    let mut depth = 1;
    while 4usize.pow(depth) <= n {
        depth += 1;
    }
    depth
}

/// `zkhealth` next to this example: `target/<profile>/examples/serve_load` →
/// `target/<profile>/zkhealth`.
fn zkhealth_binary() -> Res<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target directory from this executable's path")?;
    let bin = profile.join(format!("zkhealth{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        return Err(format!(
            "no zkhealth binary at {}: run `cargo build --release -p zkhealth-cli` first",
            bin.display()
        )
        .into());
    }
    Ok(bin)
}

/// The CPU model and the number of logical cores.
fn machine() -> (String, usize) {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown".to_string(), |(_, m)| m.trim().to_string());
    let listed = info.lines().filter(|l| l.starts_with("processor")).count();
    let cores = if listed > 0 {
        listed
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    };
    (model, cores)
}

fn taskset_works() -> bool {
    Command::new("taskset")
        .args(["-c", "0", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Clock ticks per second, for `/proc/PID/stat`.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A process's user and system CPU time so far, in seconds.
fn cpu_seconds(pid: u32, ticks: f64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / ticks)
}

/// The verifier's files (key, policy, roots) and the holders, with credentials in one registry.
struct World {
    dir: tempfile::TempDir,
    depth: u32,
    policy: Policy,
    registry: Registry,
    holders: Vec<(HolderSecret, Credential, u64)>,
    key_id: String,
}

impl World {
    fn new(bin: &Path, depth: u32, n: usize) -> Res<World> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let started = Instant::now();
        let prover = prover_at(depth);
        let key = prover.artifact().verifying_key();
        std::fs::write(d.join("presentation.vk"), key.to_file_bytes())?;
        let key_id = key.id().to_string();
        println!(
            "keys: seeded development setup at depth {depth} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let out = Command::new(bin)
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
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "zkhealth policy failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let policy = schema::policy_from_json(&std::fs::read_to_string(d.join("policy.json"))?)?;
        let today = Day::from_unix_seconds(now())?;
        // Fresh holders on every invocation.
        let mut rng = rng(OsRng.next_u64());
        let mut registry = Registry::new(depth, 3_600)?;
        let issued_at = now() - 120;
        let mut holders = Vec::with_capacity(n);
        for _ in 0..n {
            let secret = HolderSecret::random(&mut rng);
            let record = vaccination_record("1990-04-12", Day(today.0 - 60));
            let expiry = Day(today.0 + 300);
            let credential =
                Credential::new(&record, ISSUER, secret.holder_key(), expiry, &mut rng)?;
            let index = registry.append(credential.commit(), issued_at)?;
            holders.push((secret, credential, index));
        }
        let roots = IssuerRoots::new(ISSUER, LocalRoots::new(registry.history().clone()))?;
        std::fs::write(d.join("roots.json"), roots.to_json())?;
        println!("holders: {n} credentials in a registry of depth {depth}");
        Ok(World {
            dir,
            depth,
            policy,
            registry,
            holders,
            key_id,
        })
    }

    /// A configuration for one run: generous challenge and time limits, its own event.
    fn config(
        &self,
        name: &str,
        database: &str,
        event: &str,
        n: usize,
        max_secs: u64,
    ) -> Res<PathBuf> {
        let text = format!(
            "listen = \"127.0.0.1:0\"\ndatabase = {database}\n\
             challenge_ttl_secs = 86400\nchallenges_per_second = 1000000\n\
             challenges_burst = {burst}\nrequest_timeout_ms = {timeout}\n\n\
             [[verifiers]]\nverifier = \"{VERIFIER}\"\nevent = \"{event}\"\n\
             key = \"presentation.vk\"\nkey_id = \"{key_id}\"\npolicy = \"policy.json\"\n\
             roots = \"roots.json\"\n",
            // A JSON string is a valid TOML basic string.
            database = serde_json::Value::from(database),
            burst = n + 1_000,
            timeout = (max_secs + 60) * 1_000,
            key_id = self.key_id,
        );
        let path = self.dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// Holder `i`'s presentation for `challenge` in `event`, as QR text.
    fn present(&self, i: usize, challenge: &str, event: &str) -> Result<String, String> {
        let (secret, credential, index) = &self.holders[i];
        let path = self.registry.path(*index).map_err(|e| e.to_string())?;
        let request = ProveRequest {
            secret,
            credential,
            path: &path,
            policy: &self.policy,
            today: Day::from_unix_seconds(now()).map_err(|e| e.to_string())?,
            challenge: fr_from_hex(challenge).map_err(|e| e.to_string())?,
            scope: Scope::named(VERIFIER, event).map_err(|e| e.to_string())?,
        };
        prover_at(self.depth)
            .prove_with_rng(&request, &mut OsRng)
            .map_err(|e| e.to_string())?
            .to_qr_text()
            .map_err(|e| e.to_string())
    }
}

/// A running `zkhealth serve`; killed when dropped (also on errors).
struct Service {
    child: Child,
    url: String,
    log: Arc<Mutex<VecDeque<String>>>,
    log_reader: Option<JoinHandle<()>>,
}

impl Service {
    fn start(
        bin: &Path,
        config: &Path,
        micro_batch: u32,
        database: &str,
        pin: Option<u32>,
    ) -> Res<Service> {
        let mut cmd = match pin {
            Some(k) => {
                let mut c = Command::new("taskset");
                let cpus = if k == 1 {
                    "0".to_string()
                } else {
                    format!("0-{}", k - 1)
                };
                c.args(["-c", &cpus]).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        cmd.arg("serve")
            .arg("--config")
            .arg(config)
            .args(["--listen", "127.0.0.1:0"])
            .args(["--micro-batch", &micro_batch.to_string()])
            .args(["--database", database])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        // Keeps the last lines of the service's log, for error messages; drains the pipe.
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let log_reader = child.stderr.take().map(|err| {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    if let Ok(mut log) = log.lock() {
                        if log.len() == 40 {
                            log.pop_front();
                        }
                        log.push_back(line);
                    }
                }
            })
        });
        let stdout = child.stdout.take().ok_or("no stdout from zkhealth serve")?;
        let mut service = Service {
            child,
            url: String::new(),
            log,
            log_reader,
        };
        let mut lines = BufReader::new(stdout).lines();
        let first = match lines.next() {
            Some(Ok(line)) => line,
            _ => {
                let status = service.child.wait()?;
                return Err(format!(
                    "zkhealth serve did not start ({status}):\n{}",
                    service.log_tail()
                )
                .into());
            }
        };
        service.url = first
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line from zkhealth serve: {first}"))?
            .to_string();
        std::thread::spawn(move || for _ in lines {});
        Ok(service)
    }

    /// The last lines the service logged (all of them once it has exited).
    fn log_tail(&mut self) -> String {
        if let Ok(Some(_)) = self.child.try_wait() {
            if let Some(reader) = self.log_reader.take() {
                let _ = reader.join();
            }
        }
        self.log
            .lock()
            .map(|l| l.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(timeout).build()
}

/// One challenge per holder, fetched over a few connections.
fn challenges(url: &str, n: usize) -> Res<Vec<String>> {
    let threads = n.clamp(1, 8);
    let chunk = n.div_ceil(threads);
    let parts: Vec<Result<Vec<String>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let count = chunk.min(n.saturating_sub(t * chunk));
                scope.spawn(move || {
                    let agent = agent(Duration::from_secs(60));
                    (0..count)
                        .map(|_| {
                            let answer = agent
                                .post(&format!("{url}/v1/challenges"))
                                .set("Content-Type", "application/json")
                                .send_string("{}");
                            let response = match answer {
                                Ok(r) => r,
                                Err(ureq::Error::Status(code, r)) => {
                                    let body = r.into_string().unwrap_or_default();
                                    return Err(format!("challenge refused: {code} {body}"));
                                }
                                Err(e) => return Err(format!("challenge request failed: {e}")),
                            };
                            let json: serde_json::Value =
                                response.into_json().map_err(|e| e.to_string())?;
                            json["challenge"]
                                .as_str()
                                .map(str::to_string)
                                .ok_or_else(|| format!("no challenge in {json}"))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a challenge thread panicked".into()))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(n);
    for part in parts {
        all.extend(part?);
    }
    Ok(all)
}

/// One presentation per holder for `challenges`, proved on every core, with progress.
fn prove_all(world: &World, challenges: &[String], event: &str) -> Res<Vec<String>> {
    let n = challenges.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(n);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let started = Instant::now();
    let results: Vec<Result<Vec<(usize, String)>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n || failed.load(Ordering::Relaxed) {
                            return Ok(mine);
                        }
                        match world.present(i, &challenges[i], event) {
                            Ok(qr) => mine.push((i, qr)),
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                return Err(format!("proving presentation {i}: {e}"));
                            }
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        let mut last = Instant::now();
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= Duration::from_secs(5) {
                last = Instant::now();
                let k = done.load(Ordering::Relaxed);
                let rate = k as f64 / started.elapsed().as_secs_f64();
                let eta = if rate > 0.0 {
                    format!(", about {:.0} s left", (n - k) as f64 / rate)
                } else {
                    String::new()
                };
                println!("  proving: {k}/{n} ({rate:.1}/s{eta})");
            }
        }
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a proving thread panicked".into()))
            })
            .collect()
    });
    let mut all = vec![String::new(); n];
    for part in results {
        for (i, qr) in part? {
            all[i] = qr;
        }
    }
    println!(
        "  proving: {n}/{n} in {:.1} s on {threads} threads",
        started.elapsed().as_secs_f64()
    );
    Ok(all)
}

/// What one submission got.
#[derive(Debug, Clone)]
enum Answer {
    Accepted,
    Refused { status: u16, code: String },
    Unanswered(String),
}

/// Posts `qr` once; the latency is from the send to the answer's last byte.
fn submit(agent: &ureq::Agent, url: &str, qr: &str, timeout: Duration) -> (Duration, Answer) {
    let sent = Instant::now();
    let answer = agent
        .post(url)
        .timeout(timeout)
        .set("Content-Type", "text/plain")
        .send_string(qr);
    let (status, body) = match answer {
        Ok(r) => (r.status(), r.into_string()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string()),
        Err(e) => return (sent.elapsed(), Answer::Unanswered(e.to_string())),
    };
    let latency = sent.elapsed();
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            return (
                latency,
                Answer::Unanswered(format!("reading the answer: {e}")),
            )
        }
    };
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let answer = if status == 200 && json["accepted"] == true {
        Answer::Accepted
    } else {
        Answer::Refused {
            status,
            code: json["code"].as_str().unwrap_or("?").to_string(),
        }
    };
    (latency, answer)
}

/// The timed phase: `concurrency` threads post every presentation once.
struct Load {
    wall: Duration,
    answers: Vec<(Duration, Answer)>,
    unsent: usize,
    aborted: bool,
}

fn load(url: &str, presentations: &[String], concurrency: usize, max: Duration) -> Res<Load> {
    let target = format!("{url}/v1/presentations");
    let next = AtomicUsize::new(0);
    let aborted = AtomicBool::new(false);
    let cancelled = AtomicBool::new(false);
    // Held while the clients start; released at once for all of them.
    let gate = RwLock::new(());
    let (answers, wall, spawn_error) = std::thread::scope(|scope| {
        let closed = gate.write();
        let mut handles = Vec::with_capacity(concurrency);
        let mut spawn_error = None;
        for _ in 0..concurrency {
            let (target, next, aborted, cancelled, gate) =
                (&target, &next, &aborted, &cancelled, &gate);
            let spawned = std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(scope, move || {
                    let agent = agent(max + Duration::from_secs(5));
                    let mut mine = Vec::new();
                    drop(gate.read());
                    if cancelled.load(Ordering::Relaxed) {
                        return mine;
                    }
                    let deadline = Instant::now() + max;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= presentations.len() {
                            return mine;
                        }
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            aborted.store(true, Ordering::Relaxed);
                            return mine;
                        }
                        mine.push(submit(&agent, target, &presentations[i], left));
                    }
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    cancelled.store(true, Ordering::Relaxed);
                    spawn_error = Some(format!("client thread not started: {e}"));
                    break;
                }
            }
        }
        // The clock starts when every client is ready.
        let start = Instant::now();
        drop(closed);
        let mut answers = Vec::with_capacity(presentations.len());
        for h in handles {
            if let Ok(mine) = h.join() {
                answers.extend(mine);
            }
        }
        (answers, start.elapsed(), spawn_error)
    });
    if let Some(e) = spawn_error {
        return Err(e.into());
    }
    let unsent = presentations.len().saturating_sub(answers.len());
    Ok(Load {
        wall,
        answers,
        unsent,
        aborted: aborted.load(Ordering::Relaxed) || unsent > 0,
    })
}

/// The service's verification batch sizes: batches, mean size, largest bucket used.
struct Batches {
    count: f64,
    mean: f64,
    max_bucket: Option<String>,
}

fn batches(url: &str) -> Res<Batches> {
    let text = agent(Duration::from_secs(30))
        .get(&format!("{url}/metrics"))
        .call()
        .map_err(|e| format!("GET /metrics: {e}"))?
        .into_string()?;
    let value = |line: &str| -> Option<f64> { line.split_whitespace().last()?.parse().ok() };
    let mut sum = 0.0;
    let mut count = 0.0;
    let mut buckets = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("zkhealth_verification_batch_size_sum ") {
            sum = value(rest).unwrap_or(0.0);
        } else if let Some(rest) = line.strip_prefix("zkhealth_verification_batch_size_count ") {
            count = value(rest).unwrap_or(0.0);
        } else if let Some(rest) =
            line.strip_prefix("zkhealth_verification_batch_size_bucket{le=\"")
        {
            if let Some((le, tail)) = rest.split_once('"') {
                buckets.push((le.to_string(), value(tail).unwrap_or(0.0)));
            }
        }
    }
    // The smallest bucket holding every batch: the largest batch is at most its bound.
    let max_bucket = buckets
        .iter()
        .find(|(_, cumulative)| count > 0.0 && *cumulative >= count)
        .map(|(le, _)| le.trim_end_matches(".0").to_string());
    Ok(Batches {
        count,
        mean: if count > 0.0 { sum / count } else { 0.0 },
        max_bucket,
    })
}

/// One run's results.
struct Report {
    micro_batch: u32,
    n: usize,
    accepted: usize,
    wall: Duration,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    batches: Option<Batches>,
    server_cpu: Option<f64>,
    failures: BTreeMap<String, usize>,
    aborted: bool,
}

impl Report {
    fn per_second(&self) -> f64 {
        self.accepted as f64 / self.wall.as_secs_f64().max(1e-9)
    }
    fn ok(&self) -> bool {
        !self.aborted && self.accepted == self.n && self.failures.is_empty()
    }
}

/// The `p` quantile (nearest rank) of sorted latencies, in milliseconds.
fn quantile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1_000.0
}

struct Setup<'a> {
    bin: &'a Path,
    world: &'a World,
    args: &'a Args,
    pin: Option<u32>,
    /// Cores the service may use: the pinned ones, or all when unpinned.
    server_cores: u32,
    tag: String,
    ticks: f64,
}

fn run_one(s: &Setup<'_>, k: usize, micro_batch: u32) -> Res<Report> {
    let n = s.args.presentations as usize;
    let event = format!("load-{}-{k}", s.tag);
    let database = if s.args.database == "redb" {
        s.world
            .dir
            .path()
            .join(format!("run-{k}-mb{micro_batch}.redb"))
            .to_str()
            .ok_or("the temporary directory's path is not UTF-8")?
            .to_string()
    } else {
        s.args.database.clone()
    };
    let name = format!("run-{k}-mb{micro_batch}");
    let config = s
        .world
        .config(&name, &database, &event, n, s.args.max_seconds)?;
    println!("\n== micro-batch {micro_batch} ==");
    let mut service = Service::start(s.bin, &config, micro_batch, &database, s.pin)?;
    println!("service: {} (event {event})", service.url);
    let started = Instant::now();
    let challenges = challenges(&service.url, n)?;
    println!(
        "challenges: {n} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let presentations = prove_all(s.world, &challenges, &event)?;
    if let Ok(Some(status)) = service.child.try_wait() {
        return Err(format!("the service stopped ({status}):\n{}", service.log_tail()).into());
    }
    println!(
        "load: {n} presentations from {} client threads (at most {} s)",
        s.args.concurrency, s.args.max_seconds
    );
    let pid = service.child.id();
    let cpu_before = cpu_seconds(pid, s.ticks);
    let load = load(
        &service.url,
        &presentations,
        s.args.concurrency as usize,
        Duration::from_secs(s.args.max_seconds),
    )?;
    let cpu_after = cpu_seconds(pid, s.ticks);
    let server_cpu = cpu_before.zip(cpu_after).map(|(a, b)| b - a);
    let batches = match batches(&service.url) {
        Ok(b) => Some(b),
        Err(e) => {
            println!("  batch sizes not read: {e}");
            None
        }
    };
    let mut latencies: Vec<Duration> = load
        .answers
        .iter()
        .filter(|(_, a)| !matches!(a, Answer::Unanswered(_)))
        .map(|(d, _)| *d)
        .collect();
    latencies.sort_unstable();
    let mut failures = BTreeMap::new();
    let mut accepted = 0;
    for (_, answer) in &load.answers {
        match answer {
            Answer::Accepted => accepted += 1,
            Answer::Refused { status, code } => {
                *failures.entry(format!("{status} {code}")).or_insert(0) += 1;
            }
            Answer::Unanswered(e) => {
                *failures.entry(format!("no answer: {e}")).or_insert(0) += 1;
            }
        }
    }
    if load.unsent > 0 {
        failures.insert("not sent (time limit)".into(), load.unsent);
    }
    let report = Report {
        micro_batch,
        n,
        accepted,
        wall: load.wall,
        p50: quantile(&latencies, 0.50),
        p90: quantile(&latencies, 0.90),
        p99: quantile(&latencies, 0.99),
        max: latencies
            .last()
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1_000.0),
        batches,
        server_cpu,
        failures,
        aborted: load.aborted,
    };
    print_run(&report, s.server_cores);
    if !report.failures.is_empty() {
        let tail = service.log_tail();
        if !tail.is_empty() {
            println!("  the service's last log lines:\n{tail}");
        }
    }
    Ok(report)
}

fn print_run(r: &Report, cores: u32) {
    let per_second = r.per_second();
    println!(
        "  accepted: {}/{}{}",
        r.accepted,
        r.n,
        if r.aborted {
            format!(
                " (aborted at the time limit after {:.1} s)",
                r.wall.as_secs_f64()
            )
        } else {
            String::new()
        }
    );
    println!("  wall time: {:.2} s", r.wall.as_secs_f64());
    println!(
        "  accepted/s: {per_second:.1} ({:.1} per server core)",
        per_second / f64::from(cores)
    );
    println!(
        "  latency ms: p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1}",
        r.p50, r.p90, r.p99, r.max
    );
    match &r.batches {
        Some(b) => println!(
            "  batches: {:.0} verification batches, mean size {:.2}{}",
            b.count,
            b.mean,
            b.max_bucket
                .as_ref()
                .map_or_else(String::new, |m| format!(", largest ≤ {m}"))
        ),
        None => println!("  batches: unknown"),
    }
    if let Some(cpu) = r.server_cpu {
        println!(
            "  server CPU: {cpu:.2} s ({:.1} accepted per CPU-second)",
            r.accepted as f64 / cpu.max(1e-9)
        );
    }
    for (what, count) in &r.failures {
        println!("  NOT ACCEPTED: {count} × {what}");
    }
}

fn run(args: &Args) -> Res<bool> {
    if args.database != "redb"
        && !args.database.starts_with("postgres://")
        && !args.database.starts_with("postgresql://")
    {
        return Err(format!(
            "--database must be `redb` or a postgres:// URL, not {:?}",
            args.database
        )
        .into());
    }
    let bin = zkhealth_binary()?;
    let (model, cores) = machine();
    if args.server_cores as usize > cores {
        return Err(format!(
            "--server-cores {} but this machine has {cores} cores",
            args.server_cores
        )
        .into());
    }
    let pin = if taskset_works() {
        Some(args.server_cores)
    } else {
        println!(
            "taskset is not available: the service runs unpinned, on all {cores} cores; \
             per-core figures divide by {cores}"
        );
        None
    };
    let server_cores = pin.unwrap_or(cores as u32);
    let n = args.presentations as usize;
    let depth = args.depth.max(depth_for(n));
    if depth > MAX_DEPTH {
        return Err(format!("depth {depth} is above the supported {MAX_DEPTH}").into());
    }
    println!("CPU: {model}, {cores} cores");
    println!(
        "service: {}; client: {} threads, unpinned (shares the machine)",
        match pin {
            Some(k) => format!("pinned to {k} core(s) with taskset"),
            None => format!("unpinned ({cores} cores)"),
        },
        args.concurrency
    );
    let store = if args.database == "redb" {
        "redb (fresh file per run)"
    } else {
        "postgresql"
    };
    println!(
        "presentations: {n} per run; micro-batch settings: {:?}; database: {store}",
        args.micro_batch
    );
    let world = World::new(&bin, depth, n)?;
    let setup = Setup {
        bin: &bin,
        world: &world,
        args,
        server_cores,
        pin,
        tag: format!("{:08x}", OsRng.next_u32()),
        ticks: clock_ticks(),
    };
    let mut reports = Vec::new();
    for (k, &mb) in args.micro_batch.iter().enumerate() {
        reports.push(run_one(&setup, k, mb)?);
    }

    println!("\n## `zkhealth serve` load ({model}, {cores} cores)\n");
    println!(
        "{n} distinct presentations per run, {} concurrent clients on loopback, service {}, \
         database {store}, registry depth {depth}.\n",
        args.concurrency,
        match pin {
            Some(k) => format!("pinned to {k} core(s)"),
            None => format!("unpinned on {cores} cores"),
        },
    );
    println!(
        "| micro-batch | accepted | wall (s) | accepted/s | accepted/s per core | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | mean batch | server CPU (s) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &reports {
        let per_second = r.per_second();
        println!(
            "| {} | {}/{} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} |",
            r.micro_batch,
            r.accepted,
            r.n,
            r.wall.as_secs_f64(),
            per_second,
            per_second / f64::from(server_cores),
            r.p50,
            r.p90,
            r.p99,
            r.max,
            r.batches
                .as_ref()
                .map_or_else(|| "?".to_string(), |b| format!("{:.2}", b.mean)),
            r.server_cpu
                .map_or_else(|| "?".to_string(), |c| format!("{c:.2}")),
        );
    }
    Ok(reports.iter().all(Report::ok))
}
