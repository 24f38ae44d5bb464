//! The committed contract artifacts are what the pinned compiler gives for the committed sources.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn registry_artifact_is_reproducible_from_sources() {
    let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts");
    if !contracts.join("node_modules/solc").is_dir() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&contracts)
            .status()
            .expect("npm must be installed to build the contracts");
        assert!(status.success(), "npm ci failed in contracts/");
    }
    let out = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let status = Command::new("node")
            .arg(contracts.join("compile.mjs"))
            .arg("--out-dir")
            .arg(out.path())
            .status()
            .expect("node must be installed to build the contracts");
        assert!(status.success(), "compile.mjs failed");
        let built = std::fs::read_to_string(out.path().join("ZkhRegistry.json")).unwrap();
        assert_eq!(
            built,
            zkhealth_evm::registry::ARTIFACT_JSON,
            "contracts/out/ZkhRegistry.json is stale: run contracts/build.sh"
        );
    }
}
