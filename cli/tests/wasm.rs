//! The npm package (`wasm/`) in Node: builds it with `wasm/build.sh` (Debian's wasm toolchain
//! and wasm-bindgen-cli, which `.ci/run` installs through `wasm/install-tools.sh`), writes the
//! fixtures with the CLI (development keys, a registry with one vaccination credential, its
//! path and roots, the standard vaccination policy disclosing the country) and runs
//! `wasm/tests/node.test.mjs`: the wallet proves, the checkpoint accepts once, then refuses the
//! reuse, another challenge, another scope, a tampered and a garbled presentation, and bad
//! configuration throws.
//!
//! `ZKH_WASM_DEPTH` sets the registry depth (default 2); the test prints the proof and
//! verification times in Node, which the README's table reports at depths 10 and 16.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{path::Path, process::Command};

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

#[test]
fn the_npm_package_proves_and_verifies_in_node() {
    let built = run(
        Command::new("bash").arg(root().join("wasm/build.sh")),
        "wasm/build.sh",
    );
    for line in built.lines().filter(|l| l.contains("gzipped")) {
        println!("{line}");
    }

    let depth: u32 = std::env::var("ZKH_WASM_DEPTH")
        .ok()
        .map(|d| d.parse().expect("ZKH_WASM_DEPTH is a depth"))
        .unwrap_or(2);
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

    run(
        Command::new("node")
            .args(["--test", "--test-reporter=spec"])
            .arg(root().join("wasm/tests/node.test.mjs"))
            .env("ZKH_FIXTURES", d)
            .env("ZKH_TIMINGS", d.join("timings.json")),
        "node --test wasm/tests/node.test.mjs",
    );
    let timings = std::fs::read_to_string(d.join("timings.json")).unwrap();
    println!("Node, depth {depth}: {timings}");
}
