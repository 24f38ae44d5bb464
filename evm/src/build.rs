//! Compiling contracts with the pinned solc (`contracts/compile.mjs`, Node.js), for tools and
//! tests that need the presentation contract of one verifying key.
//!
//! The sources are read from this workspace's `contracts/` directory; `npm ci` installs the
//! pinned compiler there when it is missing.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use zkhealth_verifier::VerifyingKey;

use crate::{
    solidity::{render_verifier, PRESENTATION_CONTRACT, VERIFIER_CONTRACT, VERIFIER_FILE},
    Artifact, EvmError,
};

/// The workspace's `contracts/` directory.
pub fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts")
}

fn run(command: &mut Command, what: &str) -> Result<(), EvmError> {
    let output = command.output().map_err(|e| EvmError::Build {
        reason: format!("{what}: cannot run: {e}"),
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(EvmError::Build {
            reason: format!(
                "{what} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        })
    }
}

/// Installs the pinned npm tools (`npm ci` in `contracts/`) if `node_modules/solc` is missing.
pub fn ensure_tools() -> Result<(), EvmError> {
    let dir = contracts_dir();
    if dir.join("node_modules/solc").is_dir() {
        return Ok(());
    }
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
        "npm ci in contracts/",
    )
}

/// Compiles `sources` with `contracts/compile.mjs` and writes the artifacts of `contracts` to
/// `out_dir`; imports resolve in the sources' directories, then `contracts/src`.
pub fn compile(sources: &[&Path], contracts: &[&str], out_dir: &Path) -> Result<(), EvmError> {
    ensure_tools()?;
    let mut command = Command::new("node");
    command
        .arg(contracts_dir().join("compile.mjs"))
        .arg("--out-dir")
        .arg(out_dir);
    for source in sources {
        command.arg("--source").arg(source);
    }
    for contract in contracts {
        command.arg("--contract").arg(contract);
    }
    run(&mut command, "compile.mjs")
}

/// The compiled contracts of one verifying key.
#[derive(Debug, Clone)]
pub struct KeyContracts {
    /// The bare verifier (`Groth16Verifier`, `verifyProof`).
    pub verifier: Artifact,
    /// The presentation contract (`ZkhPresentation`), which includes the verifier.
    pub presentation: Artifact,
}

/// Renders the verifier of `key` into `work_dir` and compiles it with the presentation contract;
/// the artifacts are written to `work_dir` too.
pub fn compile_for_key(key: &VerifyingKey, work_dir: &Path) -> Result<KeyContracts, EvmError> {
    let io = |e: std::io::Error| EvmError::Build {
        reason: format!("{}: {e}", work_dir.display()),
    };
    std::fs::create_dir_all(work_dir).map_err(io)?;
    let verifier_path = work_dir.join(VERIFIER_FILE);
    std::fs::write(&verifier_path, render_verifier(key)).map_err(io)?;
    let presentation_path = contracts_dir()
        .join("src")
        .join(crate::solidity::PRESENTATION_FILE);
    compile(
        &[&verifier_path, &presentation_path],
        &[VERIFIER_CONTRACT, PRESENTATION_CONTRACT],
        work_dir,
    )?;
    let read = |name: &'static str| -> Result<Artifact, EvmError> {
        let text = std::fs::read_to_string(work_dir.join(format!("{name}.json"))).map_err(io)?;
        Artifact::from_json(name, &text)
    };
    Ok(KeyContracts {
        verifier: read(VERIFIER_CONTRACT)?,
        presentation: read(PRESENTATION_CONTRACT)?,
    })
}
