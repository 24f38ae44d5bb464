//! The embedded contract artifacts (`evm/artifacts/*.json`) are what the pinned compiler gives
//! for the committed sources (`contracts/src`): the sources are recompiled here with
//! `contracts/compile.mjs` (solc from contracts/package.json, installed with `npm ci` if
//! missing) and every artifact must be equal byte for byte. Build tooling only: the crate itself
//! never compiles anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use zkhealth_evm::Contract;

fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts")
}

fn run(command: &mut Command) {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Installs the pinned npm tools in contracts/ if they are missing.
fn ensure_solc() {
    if !contracts_dir().join("node_modules/solc").is_dir() {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(contracts_dir()));
    }
}

#[test]
fn artifacts_are_reproducible_from_sources() {
    ensure_solc();
    let out = tempfile::tempdir().unwrap();
    // Twice: the build is deterministic, and equal to the embedded artifacts.
    for _ in 0..2 {
        run(Command::new("node")
            .arg(contracts_dir().join("compile.mjs"))
            .arg("--out-dir")
            .arg(out.path()));
        for contract in Contract::ALL {
            let file = format!("{}.json", contract.name());
            let built = std::fs::read_to_string(out.path().join(&file)).unwrap();
            assert_eq!(
                built,
                contract.artifact_json(),
                "evm/artifacts/{file} is stale: run contracts/build.sh"
            );
        }
    }
}

#[test]
fn no_other_artifact_is_shipped() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected: Vec<String> = Contract::ALL
        .iter()
        .map(|c| format!("{}.json", c.name()))
        .collect();
    expected.sort();
    assert_eq!(files, expected);
}
