//! The npm package (`wasm/`) in Node: builds it with `wasm/build.sh` (Debian's wasm toolchain
//! and wasm-bindgen-cli, which `.ci/run` installs through `wasm/install-tools.sh`), writes the
//! fixtures with the CLI (development keys, a registry with one vaccination credential, its
//! path and roots, the standard vaccination policy disclosing the country; for the Node test also
//! another depth's keys and a presentation as JSON) and runs `wasm/tests/node.test.mjs`: the
//! wallet proves, the checkpoint accepts once, then refuses the reuse, another challenge, another
//! scope, a tampered, a garbled and a truncated presentation (QR text and JSON); bad
//! configuration (wrong, truncated or random key and artifact files) throws with its code, an
//! image without a QR code throws `qr_not_found`, and one the QR decoder panics on throws
//! `internal_panic` and the module restarts.
//!
//! `ZKH_WASM_DEPTH` sets the registry depth (default 2); the tests print the proof and
//! verification times in Node and in Chromium, which the README's table reports at depths 10 and
//! 16.
//!
//! The pages (`web/`) in headless Chromium: `zkhealth web` serves them with a configuration
//! written from the same fixtures, and `web/tests/browser.test.mjs` (playwright-core, pinned in
//! `web/tests/package-lock.json`, driving Debian's `chromium`) makes the wallet prove, the
//! checkpoint accept the QR image once, and refuse it again (also after a reload), a tampered
//! one, one for an older challenge, and verify offline; then, through Chromium's fake camera
//! playing a Y4M video of a QR code on screen, the wallet scans a second checkpoint's challenge
//! and that checkpoint scans the fresh presentation and accepts it. Before the first
//! presentation, the checkpoint refuses an image of noise and one the QR decoder panics on as
//! unreadable and a QR code of a truncated presentation as malformed, and accepts the
//! presentation after them. A second `zkhealth web` serves a configuration with another depth's
//! key and artifact under the first one's pins: its checkpoint does not start and names the key
//! file, its wallet does not prove and names the artifact. Screenshots of the pages are kept in
//! `target/tmp/web-screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
};

use common::{clock_day, issue_vaccination, keys, ok, s};

/// The repository's root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} did not start: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// The value after `label` on the line of `setup`'s output that starts with it.
fn printed(setup: &str, label: &str) -> String {
    setup
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("setup prints the {label}:\n{setup}"))
}

/// The registry depth of the fixtures: `ZKH_WASM_DEPTH`, or 2.
fn depth() -> u32 {
    std::env::var("ZKH_WASM_DEPTH")
        .ok()
        .map(|d| d.parse().expect("ZKH_WASM_DEPTH is a depth"))
        .unwrap_or(2)
}

/// Builds the package once per test binary (both tests need it); returns what the build printed.
fn build() -> &'static str {
    static BUILT: OnceLock<String> = OnceLock::new();
    BUILT.get_or_init(|| {
        run(
            Command::new("bash").arg(root().join("wasm/build.sh")),
            "wasm/build.sh",
        )
    })
}

/// Keys at `depth` and one credential issued into a fresh registry, with its roots and the
/// standard vaccination policy (disclosing the country): the files both tests read.
fn fixtures(depth: u32) -> tempfile::TempDir {
    let (key_dir, setup) = keys(depth);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for ext in ["vk", "pk"] {
        std::fs::copy(
            key_dir.join(format!("presentation-depth-{depth}.{ext}")),
            d.join(format!("presentation.{ext}")),
        )
        .unwrap();
    }
    std::fs::write(d.join("key-id.txt"), printed(setup, "key id")).unwrap();
    std::fs::write(d.join("artifact-id.txt"), printed(setup, "artifact id")).unwrap();
    issue_vaccination(d, clock_day(), &depth.to_string(), 0, &[]);
    let f = |name: &str| s(&d.join(name)).to_string();
    ok(
        d,
        &[
            "roots",
            "--registry",
            &f("registry.redb"),
            "--out",
            &f("roots.json"),
        ],
    );
    ok(
        d,
        &[
            "policy",
            "standard-vaccination",
            "--issuer",
            "NL-RIVM",
            "--disclose",
            "country",
            "--out",
            &f("policy.json"),
        ],
    );
    dir
}

/// Another depth's keys (`other.vk`, `other.pk`, `other-key-id.txt`), for the tests' wrong key
/// files.
fn other_keys(d: &Path, depth: u32) {
    let other = depth + 1;
    let (key_dir, setup) = keys(other);
    for ext in ["vk", "pk"] {
        std::fs::copy(
            key_dir.join(format!("presentation-depth-{other}.{ext}")),
            d.join(format!("other.{ext}")),
        )
        .unwrap();
    }
    std::fs::write(d.join("other-key-id.txt"), printed(setup, "key id")).unwrap();
}

#[test]
fn the_npm_package_proves_and_verifies_in_node() {
    for line in build().lines().filter(|l| l.contains("gzipped")) {
        println!("{line}");
    }
    let depth = depth();
    let dir = fixtures(depth);
    let d = dir.path();
    other_keys(d, depth);
    // A presentation as JSON, proved natively for a known challenge at the Node test's
    // checkpoint.
    let challenge = format!("0x{}", "12".repeat(32));
    std::fs::write(d.join("json-challenge.txt"), &challenge).unwrap();
    let f = |name: &str| s(&d.join(name)).to_string();
    ok(
        d,
        &[
            "prove",
            "--pk",
            &f("presentation.pk"),
            "--credential",
            &f("credential.json"),
            "--secret",
            &f("secret.json"),
            "--path",
            &f("path.json"),
            "--policy",
            &f("policy.json"),
            "--challenge",
            &challenge,
            "--verifier",
            "checkpoint-AMS",
            "--event",
            "2026-boarding",
            "--out",
            &f("presentation.json"),
        ],
    );
    let report = run(
        Command::new("node")
            .args(["--test", "--test-reporter=spec"])
            .arg(root().join("wasm/tests/node.test.mjs"))
            .env("ZKH_FIXTURES", d)
            .env("ZKH_TIMINGS", d.join("timings.json")),
        "node --test wasm/tests/node.test.mjs",
    );
    println!("{report}");
    let timings = std::fs::read_to_string(d.join("timings.json")).unwrap();
    println!("Node, depth {depth}: {timings}");
}

/// `zkhealth web` on a free loopback port; killed when dropped.
struct Server {
    child: std::process::Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(config: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkhealth"))
        .args(["web", "--port", "0", "--dir"])
        .arg(root().join("web"))
        .arg("--config")
        .arg(config)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .last()
        .and_then(|u| u.strip_suffix("checkpoint/"))
        .unwrap_or_else(|| panic!("zkhealth web prints the checkpoint's address: {first}"))
        .to_string();
    // Keep reading so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

#[test]
fn the_pages_prove_and_verify_in_chromium() {
    build();
    let depth = depth();
    let dir = fixtures(depth);
    let d = dir.path();
    let config = d.join("config");
    std::fs::create_dir(&config).unwrap();
    for name in [
        "presentation.vk",
        "presentation.pk",
        "policy.json",
        "roots.json",
    ] {
        std::fs::copy(d.join(name), config.join(name)).unwrap();
    }
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    let checkpoint = serde_json::json!({
        "keyId": read("key-id.txt"),
        "verifierId": "checkpoint-AMS",
        "event": "2026-boarding",
        "vk": "presentation.vk",
        "policy": "policy.json",
        "roots": "roots.json",
    });
    std::fs::write(config.join("checkpoint.json"), checkpoint.to_string()).unwrap();
    let wallet = serde_json::json!({
        "artifactId": read("artifact-id.txt"),
        "pk": "presentation.pk",
    });
    std::fs::write(config.join("wallet.json"), wallet.to_string()).unwrap();

    // A second site configured with another depth's key and artifact under this one's pins.
    other_keys(d, depth);
    let wrong = d.join("config-wrong-key");
    std::fs::create_dir(&wrong).unwrap();
    for (from, to) in [
        ("other.vk", "other.vk"),
        ("other.pk", "other.pk"),
        ("policy.json", "policy.json"),
        ("roots.json", "roots.json"),
    ] {
        std::fs::copy(d.join(from), wrong.join(to)).unwrap();
    }
    let mut wrong_checkpoint = checkpoint.clone();
    wrong_checkpoint["vk"] = "other.vk".into();
    std::fs::write(wrong.join("checkpoint.json"), wrong_checkpoint.to_string()).unwrap();
    let mut wrong_wallet = wallet.clone();
    wrong_wallet["pk"] = "other.pk".into();
    std::fs::write(wrong.join("wallet.json"), wrong_wallet.to_string()).unwrap();

    let server = serve(&config);
    let wrong_server = serve(&wrong);
    let shots: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    let report = run(
        Command::new("node")
            .args(["--test", "--test-reporter=spec"])
            .arg(root().join("web/tests/browser.test.mjs"))
            .env("ZKH_WEB_URL", &server.url)
            .env("ZKH_WEB_URL_WRONG_KEY", &wrong_server.url)
            .env("ZKH_FIXTURES", d)
            .env("ZKH_SCREENSHOTS", &shots)
            .env("ZKH_TIMINGS", d.join("timings.json")),
        "node --test web/tests/browser.test.mjs",
    );
    println!("{report}");
    let timings = std::fs::read_to_string(d.join("timings.json")).unwrap();
    println!("Chromium, depth {depth}: {timings}");
    for shot in [
        "wallet.png",
        "checkpoint-accepted.png",
        "checkpoint-refused-reused.png",
        "checkpoint-refused-tampered.png",
        "checkpoint-refused-challenge.png",
        "checkpoint-camera.png",
        "checkpoint-unreadable.png",
        "checkpoint-refused-truncated.png",
        "checkpoint-wrong-key.png",
        "wallet-wrong-artifact.png",
    ] {
        let png = std::fs::read(shots.join(shot)).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{shot} is a PNG");
    }
    println!("screenshots in {}", shots.display());
}
