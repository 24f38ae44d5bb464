//! The Solidity verifier, rendered from a statement type.
//!
//! `contracts/src/Groth16Verifier.sol` is not written by hand: it is
//! `contracts/templates/Groth16Verifier.sol.in` with the statement's public inputs filled in
//! ([`render_verifier`] with [`PublicInputs::INPUT_NAMES`]), so the number of inputs, their
//! positions in `input`, the key's input points (`IC_*` immutables, named after the inputs) and
//! the input combination of `verifyProof` all come from the one ordered list of input names.
//! `ZkhPresentation` reads inputs only through those names (`input[INPUT_NULLIFIER]`,
//! `IC_NULLIFIER_X`, ...), so a reordered statement re-renders without touching it, and a removed
//! input fails to compile where it is used.
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
//! | `{{INPUT_LIST}}` | the input names in order, for the documentation |
//! | `{{NUM_INPUTS}}` | the number of inputs |
//! | `{{INPUT_POSITIONS}}` | `uint256 internal constant INPUT_<NAME> = <position>;` per input |
//! | `{{IC_IMMUTABLES}}` | `IC_CONSTANT_X/Y` (IC₀), then `IC_<NAME>_X/Y` per input |
//! | `{{IC_ASSIGNMENTS}}` | the constructor's copies of `ic[..]` into those immutables |
//! | `{{INPUT_COMBINATION}}` | `_addToInputPoint(m, IC_<NAME>_X, IC_<NAME>_Y, input[INPUT_<NAME>]);` per input |

use std::fmt::Write as _;

use thiserror::Error;
use zkhealth_circuits::statement::PublicInputs;

/// The template's placeholders, in the order they appear in it.
pub const PLACEHOLDERS: [&str; 7] = [
    "{{GENERATED_NOTICE}}",
    "{{INPUT_LIST}}",
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
}

/// `template` with the statement type `S`'s public inputs filled in.
pub fn render_verifier_for<S: PublicInputs>(template: &str) -> Result<String, RenderError> {
    render_verifier(template, S::INPUT_NAMES)
}

/// `template` with the public inputs `names` (in circuit order) filled in.
pub fn render_verifier(template: &str, names: &[&str]) -> Result<String, RenderError> {
    let idents = identifiers(names)?;
    for placeholder in PLACEHOLDERS {
        let count = template.matches(placeholder).count();
        if count != 1 {
            return Err(RenderError::Placeholder { placeholder, count });
        }
    }
    let mut rendered = template.to_owned();
    for placeholder in PLACEHOLDERS {
        let text = fill(placeholder, names, &idents);
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
    use zkhealth_circuits::Statement;

    use super::*;

    const TEMPLATE: &str = include_str!("../../contracts/templates/Groth16Verifier.sol.in");

    #[test]
    fn every_input_gets_a_position_points_and_a_term_in_order() {
        let source = render_verifier(TEMPLATE, &["first", "second_one"]).unwrap();
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
    fn the_statement_renders() {
        let source = render_verifier_for::<Statement>(TEMPLATE).unwrap();
        for (i, name) in Statement::INPUT_NAMES.iter().enumerate() {
            let line = format!(
                "uint256 internal constant INPUT_{} = {i};",
                name.to_ascii_uppercase()
            );
            assert!(source.contains(&line), "{line}");
        }
    }

    #[test]
    fn bad_names_and_templates_are_refused() {
        assert_eq!(
            render_verifier(TEMPLATE, &["Root"]),
            Err(RenderError::InvalidInputName("Root".into()))
        );
        assert_eq!(
            render_verifier(TEMPLATE, &["1x"]),
            Err(RenderError::InvalidInputName("1x".into()))
        );
        assert_eq!(
            render_verifier(TEMPLATE, &[""]),
            Err(RenderError::InvalidInputName(String::new()))
        );
        assert_eq!(
            render_verifier(TEMPLATE, &["a", "a"]),
            Err(RenderError::DuplicateInputName("a".into()))
        );
        assert_eq!(
            render_verifier(TEMPLATE, &["constant"]),
            Err(RenderError::ReservedInputName)
        );
        let missing = TEMPLATE.replace("{{NUM_INPUTS}}", "7");
        assert_eq!(
            render_verifier(&missing, &["a"]),
            Err(RenderError::Placeholder {
                placeholder: "{{NUM_INPUTS}}",
                count: 0
            })
        );
        let twice = format!("{TEMPLATE}{{{{INPUT_LIST}}}}");
        assert_eq!(
            render_verifier(&twice, &["a"]),
            Err(RenderError::Placeholder {
                placeholder: "{{INPUT_LIST}}",
                count: 2
            })
        );
        let unknown = format!("{TEMPLATE}// {{{{KEY}}}}\n");
        assert_eq!(
            render_verifier(&unknown, &["a"]),
            Err(RenderError::UnknownPlaceholder("{{KEY}}".into()))
        );
    }
}
