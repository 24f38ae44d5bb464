//! The Solidity verifiers, rendered from a statement type.
//!
//! `contracts/src/Groth16Verifier.sol` (the presentation circuit's) and
//! `contracts/src/ClaimGroth16Verifier.sol` (the claim circuit's) are not written by hand: each
//! is `contracts/templates/Groth16Verifier.sol.in` with its statement's public inputs and its
//! contract name filled in ([`render_verifier_for`], [`VERIFIERS`]), so the number of inputs, their
//! positions in `input`, the key's input points (`IC_*` immutables, named after the inputs) and
//! the input combination of `verifyProof` all come from the one ordered list of input names.
//! `ZkhPresentation` and `ZkhClaims` read inputs only through those names
//! (`input[INPUT_NULLIFIER]`, `IC_NULLIFIER_X`, ...), so a reordered statement re-renders without
//! touching them, and a removed input fails to compile where it is used.
//!
//! `contracts/build.sh` renders the source (`cargo run -p zkhealth-evm --example
//! render_verifier`) before compiling; a test checks that the committed source is the rendering.
//! Rendering is build tooling: the crate embeds the compiled artifacts and renders nothing at run
//! time.
//!
//! The placeholders of the template, each of which must appear exactly once:
//!
//! | placeholder | becomes |
//! |---|---|
//! | `{{GENERATED_NOTICE}}` | a comment saying the file is rendered, from what |
//! | `{{CIRCUIT_NAME}}` | the circuit's name (`presentation`, `claim`), for the documentation |
//! | `{{INPUT_LIST}}` | the input names in order, for the documentation |
//! | `{{CONTRACT_NAME}}` | the contract's name (`Groth16Verifier`, `ClaimGroth16Verifier`) |
//! | `{{NUM_INPUTS}}` | the number of inputs |
//! | `{{INPUT_POSITIONS}}` | `uint256 internal constant INPUT_<NAME> = <position>;` per input |
//! | `{{IC_IMMUTABLES}}` | `IC_CONSTANT_X/Y` (IC₀), then `IC_<NAME>_X/Y` per input |
//! | `{{IC_ASSIGNMENTS}}` | the constructor's copies of `ic[..]` into those immutables |
//! | `{{INPUT_COMBINATION}}` | `_addToInputPoint(m, IC_<NAME>_X, IC_<NAME>_Y, input[INPUT_<NAME>]);` per input |

use std::fmt::Write as _;

use thiserror::Error;
use zkhealth_circuits::{
    circuit::CircuitId, claim::ClaimStatement, statement::PublicInputs, Statement,
};

/// The template's placeholders, in the order they appear in it.
pub const PLACEHOLDERS: [&str; 9] = [
    "{{GENERATED_NOTICE}}",
    "{{CIRCUIT_NAME}}",
    "{{INPUT_LIST}}",
    "{{CONTRACT_NAME}}",
    "{{NUM_INPUTS}}",
    "{{INPUT_POSITIONS}}",
    "{{IC_IMMUTABLES}}",
    "{{IC_ASSIGNMENTS}}",
    "{{INPUT_COMBINATION}}",
];

/// Why a verifier could not be rendered.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RenderError {
    /// The template does not hold a placeholder exactly once.
    #[error("the template holds {placeholder} {count} times, it must hold it once")]
    Placeholder {
        /// The placeholder.
        placeholder: &'static str,
        /// How many times the template holds it.
        count: usize,
    },
    /// The template holds a `{{...}}` that is not a placeholder.
    #[error("the template holds an unknown placeholder {0}")]
    UnknownPlaceholder(String),
    /// An input name is not lowercase ASCII letters, digits and underscores starting with a
    /// letter (it becomes part of Solidity identifiers).
    #[error("input name {0:?} is not [a-z][a-z0-9_]*")]
    InvalidInputName(String),
    /// Two inputs have the same name.
    #[error("input name {0:?} appears twice")]
    DuplicateInputName(String),
    /// An input is named `constant`, the name of IC₀.
    #[error("no input can be named \"constant\" (IC_CONSTANT is the constant term's point)")]
    ReservedInputName,
    /// The contract name is not ASCII letters, digits and underscores starting with a letter.
    #[error("contract name {0:?} is not [A-Za-z][A-Za-z0-9_]*")]
    InvalidContractName(String),
    /// No verifier is rendered for the circuit (it is not in [`VERIFIERS`]).
    #[error("no verifier is rendered for the {0} circuit")]
    NoVerifier(CircuitId),
}

/// One rendered verifier: its contract (and file stem in `contracts/src`), its circuit and its
/// public inputs in circuit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifierSource {
    /// The contract's name, also its file's stem (`contracts/src/<contract>.sol`).
    pub contract: &'static str,
    /// The circuit whose statement it verifies.
    pub circuit: CircuitId,
    /// The statement's public inputs, in circuit order.
    pub inputs: &'static [&'static str],
}

/// The verifiers rendered from the template: the presentation circuit's (inherited by
/// `ZkhPresentation`) and the claim circuit's (inherited by `ZkhClaims`).
pub const VERIFIERS: [VerifierSource; 2] = [
    VerifierSource {
        contract: "Groth16Verifier",
        circuit: CircuitId::Presentation,
        inputs: Statement::INPUT_NAMES,
    },
    VerifierSource {
        contract: "ClaimGroth16Verifier",
        circuit: CircuitId::Claim,
        inputs: ClaimStatement::INPUT_NAMES,
    },
];

/// The verifier of the statement type `S`'s circuit, if one is rendered for it.
pub fn verifier_of<S: PublicInputs>() -> Option<VerifierSource> {
    VERIFIERS.into_iter().find(|v| v.circuit == S::CIRCUIT)
}

/// `template` with the statement type `S`'s contract name and public inputs filled in.
pub fn render_verifier_for<S: PublicInputs>(template: &str) -> Result<String, RenderError> {
    verifier_of::<S>()
        .ok_or(RenderError::NoVerifier(S::CIRCUIT))?
        .render(template)
}

impl VerifierSource {
    /// `template` with this verifier's contract name, circuit and public inputs filled in.
    pub fn render(&self, template: &str) -> Result<String, RenderError> {
        render_verifier(template, self.contract, self.circuit.name(), self.inputs)
    }
}

/// `template` with the contract name `contract`, the circuit name `circuit` (documentation
/// only) and the public inputs `names` (in circuit order) filled in.
pub fn render_verifier(
    template: &str,
    contract: &str,
    circuit: &str,
    names: &[&str],
) -> Result<String, RenderError> {
    let mut chars = contract.chars();
    let valid_contract = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_contract {
        return Err(RenderError::InvalidContractName(contract.to_owned()));
    }
    let idents = identifiers(names)?;
    for placeholder in PLACEHOLDERS {
        let count = template.matches(placeholder).count();
        if count != 1 {
            return Err(RenderError::Placeholder { placeholder, count });
        }
    }
    let mut rendered = template.to_owned();
    for placeholder in PLACEHOLDERS {
        let text = match placeholder {
            "{{CONTRACT_NAME}}" => contract.to_owned(),
            "{{CIRCUIT_NAME}}" => circuit.to_owned(),
            _ => fill(placeholder, names, &idents),
        };
        rendered = rendered.replacen(placeholder, &text, 1);
    }
    if let Some(start) = rendered.find("{{") {
        let rest = rendered.get(start..).unwrap_or_default();
        let end = rest.find("}}").map_or(rest.len(), |e| e + 2);
        return Err(RenderError::UnknownPlaceholder(
            rest.get(..end).unwrap_or(rest).to_owned(),
        ));
    }
    Ok(rendered)
}

/// The Solidity identifier part of each input name (`today_ymd` → `TODAY_YMD`).
fn identifiers(names: &[&str]) -> Result<Vec<String>, RenderError> {
    let mut idents: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let mut chars = name.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(RenderError::InvalidInputName((*name).to_owned()));
        }
        if *name == "constant" {
            return Err(RenderError::ReservedInputName);
        }
        let ident = name.to_ascii_uppercase();
        if idents.contains(&ident) {
            return Err(RenderError::DuplicateInputName((*name).to_owned()));
        }
        idents.push(ident);
    }
    Ok(idents)
}

/// The text of one placeholder.
fn fill(placeholder: &str, names: &[&str], idents: &[String]) -> String {
    let mut out = String::new();
    match placeholder {
        "{{GENERATED_NOTICE}}" => {
            out.push_str(
                "// Rendered by zkhealth-evm from contracts/templates/Groth16Verifier.sol.in and \
                 the statement's\n// public inputs (`cargo run -p zkhealth-evm --example \
                 render_verifier`);\n// edit the template, not this file.",
            );
        }
        "{{INPUT_LIST}}" => out.push_str(&names.join(", ")),
        "{{NUM_INPUTS}}" => out.push_str(&names.len().to_string()),
        "{{INPUT_POSITIONS}}" => {
            for (position, ident) in idents.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "    uint256 internal constant INPUT_{ident} = {position};"
                );
            }
        }
        "{{IC_IMMUTABLES}}" => {
            for ident in std::iter::once("CONSTANT").chain(idents.iter().map(String::as_str)) {
                let _ = writeln!(out, "    uint256 internal immutable IC_{ident}_X;");
                let _ = writeln!(out, "    uint256 internal immutable IC_{ident}_Y;");
            }
        }
        "{{IC_ASSIGNMENTS}}" => {
            let all = std::iter::once("CONSTANT").chain(idents.iter().map(String::as_str));
            for (point, ident) in all.enumerate() {
                let _ = writeln!(out, "        IC_{ident}_X = ic[{}];", 2 * point);
                let _ = writeln!(out, "        IC_{ident}_Y = ic[{}];", 2 * point + 1);
            }
        }
        "{{INPUT_COMBINATION}}" => {
            for ident in idents {
                let _ = writeln!(
                    out,
                    "        _addToInputPoint(m, IC_{ident}_X, IC_{ident}_Y, input[INPUT_{ident}]);"
                );
            }
        }
        _ => {}
    }
    // Block placeholders stand on a line of their own: the line's newline follows them.
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = include_str!("../../contracts/templates/Groth16Verifier.sol.in");

    fn render(names: &[&str]) -> Result<String, RenderError> {
        render_verifier(TEMPLATE, "Groth16Verifier", "presentation", names)
    }

    #[test]
    fn every_input_gets_a_position_points_and_a_term_in_order() {
        let source = render(&["first", "second_one"]).unwrap();
        assert!(source.contains("uint256 internal constant NUM_INPUTS = 2;"));
        assert!(source.contains("uint256 internal constant INPUT_FIRST = 0;"));
        assert!(source.contains("uint256 internal constant INPUT_SECOND_ONE = 1;"));
        assert!(source.contains("IC_CONSTANT_X = ic[0];"));
        assert!(source.contains("IC_SECOND_ONE_Y = ic[5];"));
        let first = source.find("input[INPUT_FIRST]").unwrap();
        let second = source.find("input[INPUT_SECOND_ONE]").unwrap();
        assert!(first < second);
        assert!(!source.contains("{{"));
    }

    #[test]
    fn the_statements_render() {
        for v in VERIFIERS {
            let source = v.render(TEMPLATE).unwrap();
            assert!(source.contains(&format!("contract {} {{", v.contract)));
            assert!(source.contains(&format!("the zkhealth {} circuit", v.circuit.name())));
            assert_eq!(Some(v.inputs), v.circuit.input_names());
            for (i, name) in v.inputs.iter().enumerate() {
                let line = format!(
                    "uint256 internal constant INPUT_{} = {i};",
                    name.to_ascii_uppercase()
                );
                assert!(source.contains(&line), "{line}");
            }
        }
        assert_eq!(
            render_verifier_for::<Statement>(TEMPLATE),
            VERIFIERS[0].render(TEMPLATE)
        );
        assert_eq!(verifier_of::<ClaimStatement>(), Some(VERIFIERS[1]));
        assert_eq!(
            render_verifier(TEMPLATE, "1V", "c", &["a"]),
            Err(RenderError::InvalidContractName("1V".into()))
        );
    }

    #[test]
    fn bad_names_and_templates_are_refused() {
        assert_eq!(
            render(&["Root"]),
            Err(RenderError::InvalidInputName("Root".into()))
        );
        assert_eq!(
            render(&["1x"]),
            Err(RenderError::InvalidInputName("1x".into()))
        );
        assert_eq!(
            render(&[""]),
            Err(RenderError::InvalidInputName(String::new()))
        );
        assert_eq!(
            render(&["a", "a"]),
            Err(RenderError::DuplicateInputName("a".into()))
        );
        assert_eq!(render(&["constant"]), Err(RenderError::ReservedInputName));
        let missing = TEMPLATE.replace("{{NUM_INPUTS}}", "7");
        assert_eq!(
            render_verifier(&missing, "V", "c", &["a"]),
            Err(RenderError::Placeholder {
                placeholder: "{{NUM_INPUTS}}",
                count: 0
            })
        );
        let twice = format!("{TEMPLATE}{{{{INPUT_LIST}}}}");
        assert_eq!(
            render_verifier(&twice, "V", "c", &["a"]),
            Err(RenderError::Placeholder {
                placeholder: "{{INPUT_LIST}}",
                count: 2
            })
        );
        let unknown = format!("{TEMPLATE}// {{{{KEY}}}}\n");
        assert_eq!(
            render_verifier(&unknown, "V", "c", &["a"]),
            Err(RenderError::UnknownPlaceholder("{{KEY}}".into()))
        );
    }
}
