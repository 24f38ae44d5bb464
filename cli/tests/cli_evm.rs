//! The EVM export commands of the `zkhealth` CLI: `export-solidity` and `calldata`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common as cli;
use zkhealth::testing as world;

use std::path::Path;

use cli::s;
use world::{today, World};
use zkhealth::{circuits::Fr, records::claims};
use zkhealth_evm::{verify_presentation_calldata, CalldataJson, VerifierDeployment, NO_CONTEXT};

/// The directory the binary runs in (these commands write only where `--out` says).
fn here() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

fn ok(args: &[&str]) -> String {
    cli::ok(here(), args)
}

fn fails(args: &[&str]) -> String {
    cli::fails(here(), args, 1)
}

#[test]
fn export_solidity_writes_the_verifier_deployment_of_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let vk = world::vk();
    let vk_path = dir.path().join("presentation.vk");
    std::fs::write(&vk_path, vk.to_file_bytes()).unwrap();
    let out = dir.path().join("evm/Groth16Verifier.deploy.json");

    let stdout = ok(&["export-solidity", "--vk", s(&vk_path), "--out", s(&out)]);
    assert!(stdout.contains(&vk.id().to_hex()), "{stdout}");
    let written: VerifierDeployment =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written, VerifierDeployment::new(vk).unwrap());
    assert_eq!(written.contract, "Groth16Verifier");

    // A corrupted key file is refused, naming the file.
    let mut bytes = vk.to_file_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&vk_path, bytes).unwrap();
    let err = fails(&["export-solidity", "--vk", s(&vk_path), "--out", s(&out)]);
    assert!(err.contains("presentation.vk"), "{err}");
}

#[test]
fn calldata_prints_the_presentation_calldata_as_hex_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut world = World::new(31);
    let held = world.vaccination();
    let policy = claims::standard_vaccination(world::ISSUER).unwrap();
    let presentation = world
        .present(
            &held,
            &policy,
            today(),
            Fr::from(5u8),
            world::event_scope(6),
        )
        .unwrap();
    let json_path = dir.path().join("presentation.json");
    std::fs::write(&json_path, presentation.to_json()).unwrap();
    let qr_path = dir.path().join("presentation.qr");
    std::fs::write(&qr_path, presentation.to_qr_text().unwrap()).unwrap();

    let expected = format!(
        "0x{}",
        hex::encode(verify_presentation_calldata(&presentation, NO_CONTEXT))
    );
    assert_eq!(expected.len(), 2 + 2 * (4 + 15 * 32));
    for path in [&json_path, &qr_path] {
        let stdout = ok(&["calldata", "--presentation", s(path)]);
        assert_eq!(stdout.trim(), expected);
    }

    let stdout = ok(&["calldata", "--presentation", s(&json_path), "--json"]);
    let printed: CalldataJson = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed, CalldataJson::new(&presentation, NO_CONTEXT));
    assert_eq!(printed.calldata, expected);
    assert_eq!(
        printed.function,
        "verifyPresentation(uint256[8],uint256[6],bytes32)"
    );
    assert_eq!(
        printed.input[3],
        zkhealth::circuits::field::fr_to_hex(&world::event_scope(6).value())
    );

    // With a context: a user's address, or 32 bytes.
    let user = "0x00000000000000000000000000000000000000aa";
    let stdout = ok(&[
        "calldata",
        "--presentation",
        s(&json_path),
        "--json",
        "--context",
        user,
    ]);
    let printed: CalldataJson = serde_json::from_str(&stdout).unwrap();
    let mut context = [0u8; 32];
    context[31] = 0xaa;
    assert_eq!(printed, CalldataJson::new(&presentation, context));
    let word = format!("0x{}", hex::encode(context));
    let stdout = ok(&[
        "calldata",
        "--presentation",
        s(&json_path),
        "--json",
        "--context",
        &word,
    ]);
    let printed: CalldataJson = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed.context, word);
    let err = fails(&[
        "calldata",
        "--presentation",
        s(&json_path),
        "--context",
        "0x12",
    ]);
    assert!(err.contains("context"), "{err}");

    // Not a presentation.
    std::fs::write(&json_path, "{\"key_id\": 1}").unwrap();
    let err = fails(&["calldata", "--presentation", s(&json_path)]);
    assert!(err.contains("presentation.json"), "{err}");
}
