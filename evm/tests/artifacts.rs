//! The committed contract artifacts are what the pinned compiler gives for the committed sources.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zkhealth_evm::{build, registry};

#[test]
fn registry_artifact_is_reproducible_from_sources() {
    let source = build::contracts_dir().join("src/ZkhRegistry.sol");
    let out = tempfile::tempdir().unwrap();
    // Twice: the build is deterministic, and equal to the committed artifact.
    for _ in 0..2 {
        build::compile(&[&source], &[registry::NAME], out.path()).unwrap();
        let built = std::fs::read_to_string(out.path().join("ZkhRegistry.json")).unwrap();
        assert_eq!(
            built,
            registry::ARTIFACT_JSON,
            "contracts/out/ZkhRegistry.json is stale: run contracts/build.sh"
        );
    }
}
