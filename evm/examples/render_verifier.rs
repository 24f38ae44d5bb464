//! Renders the Solidity verifiers from `contracts/templates/Groth16Verifier.sol.in` and each
//! circuit's public inputs (see `zkhealth_evm::solidity`): `contracts/src/Groth16Verifier.sol`
//! for the presentation circuit, `contracts/src/ClaimGroth16Verifier.sol` for the claim circuit.
//!
//! ```text
//! cargo run -p zkhealth-evm --example render_verifier            # writes the sources
//! cargo run -p zkhealth-evm --example render_verifier -- --check # fails if one is stale
//! ```

use std::{path::Path, process::ExitCode};

use zkhealth_evm::solidity::VERIFIERS;

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
    let template = match std::fs::read_to_string(&template_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("render_verifier: {}: {e}", template_path.display());
            return ExitCode::FAILURE;
        }
    };
    let mut status = ExitCode::SUCCESS;
    for verifier in VERIFIERS {
        let source_path = contracts.join(format!("src/{}.sol", verifier.contract));
        let source = match verifier.render(&template) {
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
                    "render_verifier: {} is not the rendering of the template: run without \
                     --check",
                    source_path.display()
                );
                status = ExitCode::FAILURE;
            }
            continue;
        }
        if let Err(e) = std::fs::write(&source_path, source) {
            eprintln!("render_verifier: {}: {e}", source_path.display());
            return ExitCode::FAILURE;
        }
    }
    status
}
