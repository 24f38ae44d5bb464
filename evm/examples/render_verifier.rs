//! Renders `contracts/src/Groth16Verifier.sol` from `contracts/templates/Groth16Verifier.sol.in`
//! and the presentation statement's public inputs (see `zkhealth_evm::solidity`).
//!
//! ```text
//! cargo run -p zkhealth-evm --example render_verifier            # writes the source
//! cargo run -p zkhealth-evm --example render_verifier -- --check # fails if it is stale
//! ```

use std::{path::Path, process::ExitCode};

use zkhealth_circuits::Statement;
use zkhealth_evm::solidity::render_verifier_for;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("render_verifier: unknown argument {other:?} (only --check)");
            return ExitCode::from(2);
        }
    };
    let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts");
    let template_path = contracts.join("templates/Groth16Verifier.sol.in");
    let source_path = contracts.join("src/Groth16Verifier.sol");
    let template = match std::fs::read_to_string(&template_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("render_verifier: {}: {e}", template_path.display());
            return ExitCode::FAILURE;
        }
    };
    let source = match render_verifier_for::<Statement>(&template) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("render_verifier: {}: {e}", template_path.display());
            return ExitCode::FAILURE;
        }
    };
    if check {
        let committed = std::fs::read_to_string(&source_path).unwrap_or_default();
        if committed != source {
            eprintln!(
                "render_verifier: {} is not the rendering of the template: run without --check",
                source_path.display()
            );
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&source_path, source) {
        eprintln!("render_verifier: {}: {e}", source_path.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
