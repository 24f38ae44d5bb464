//! A whole phase-2 ceremony with the npm-pinned snarkjs tools (`ceremony/`; `npm ci` there if
//! they are missing) over the presentation circuit at registry depth 1: a small local
//! Powers of Tau (insecure, tests only; generated once and kept under `target/`), `groth16 setup`,
//! two contributions, a beacon, `zkey verify`, then our import, a proof with the imported key
//! and its verification by us, by the Solidity verifier (revm) and by snarkjs, and snarkjs's
//! own proof from our witness verified by us. Then every kind of bad input to the import.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../evm/tests/harness/mod.rs"]
mod harness;

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
};

use common::{clock_day, ok, s, text, zk};
use serde_json::Value;
use zkhealth::{
    circuits::{circuit::PresentationCircuit, CircuitId},
    prover::{
        matrices::ConstraintMatrices,
        snarkjs::{r1cs::R1cs, zkey},
        ProverError, ProvingArtifact,
    },
    verifier::{verify, Presentation, Proof, VerifyingKey},
};

const DEPTH: u32 = 1;
/// The Powers of Tau's power: 2^13 points hold the depth-1 circuit's 4,177 constraints and its
/// seven instance rows.
const POWER: u32 = 13;
const ISSUER: &str = "NL-RIVM";
const VERIFIER: &str = "checkpoint-AMS";
const EVENT: &str = "2026-boarding";
const BEACON: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The pinned snarkjs, installed (`npm ci` in `ceremony/`, as `.ci/run` does) if it is missing.
fn snarkjs_cli() -> &'static Path {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let dir = workspace().join("ceremony");
        let cli = dir.join("node_modules/snarkjs/build/cli.cjs");
        if !cli.is_file() {
            harness::run(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir),
            );
        }
        cli
    })
}

/// Runs the pinned snarkjs with `args` in `dir`.
fn snarkjs_output(dir: &Path, args: &[&str]) -> Output {
    let cli = snarkjs_cli();
    Command::new("node")
        .arg(cli)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("node runs")
}

/// Runs snarkjs, which must succeed without logging an error (some of its commands exit 0 on
/// failure); returns its output without colours.
fn snarkjs(dir: &Path, args: &[&str]) -> String {
    let o = snarkjs_output(dir, args);
    let out = plain(&o.stdout) + &plain(&o.stderr);
    assert!(
        o.status.success() && !out.contains("[ERROR]"),
        "snarkjs {args:?} failed ({:?}):\n{out}",
        o.status.code()
    );
    out
}

/// Text without ANSI colour codes.
fn plain(bytes: &[u8]) -> String {
    let t = text(bytes);
    let mut out = String::with_capacity(t.len());
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The small Powers of Tau, generated once (about five minutes on two cores) and kept under
/// `target/`.
fn ptau() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ceremony-ptau");
    let fin = dir.join(format!("pot{POWER}_final.ptau"));
    if fin.is_file() {
        return fin;
    }
    fs::create_dir_all(&dir).unwrap();
    let (p0, p1) = (format!("pot{POWER}_0.ptau"), format!("pot{POWER}_1.ptau"));
    let partial = format!("pot{POWER}_final.ptau.partial");
    snarkjs(
        &dir,
        &["powersoftau", "new", "bn128", &POWER.to_string(), &p0],
    );
    snarkjs(
        &dir,
        &[
            "powersoftau",
            "contribute",
            &p0,
            &p1,
            "--name=test tau",
            "-e=insecure test entropy",
        ],
    );
    snarkjs(&dir, &["powersoftau", "prepare", "phase2", &p1, &partial]);
    fs::rename(dir.join(&partial), &fin).unwrap();
    fin
}

/// Hashes snarkjs printed under `title` lines (four lines of four 8-digit groups each), joined.
fn printed_hashes(out: &str, title: &str) -> Vec<String> {
    let lines: Vec<&str> = out.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains(title))
        .map(|(i, _)| {
            lines[i + 1..i + 5]
                .iter()
                .flat_map(|l| l.split_whitespace())
                .collect::<String>()
        })
        .collect()
}

/// What the ceremony leaves: its directory, the circuit file, the final zkey, the contribution
/// hashes snarkjs printed, and our imported keys.
struct Ceremony {
    dir: PathBuf,
    r1cs: PathBuf,
    zkey: PathBuf,
    contribution_hashes: Vec<String>,
    pk: PathBuf,
    vk: PathBuf,
}

fn ceremony() -> &'static Ceremony {
    static C: OnceLock<Ceremony> = OnceLock::new();
    C.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("ceremony-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap()
            .keep();
        let d = dir.as_path();
        let r1cs = d.join("circuit.r1cs");
        let out = ok(d, &["export-r1cs", "--depth", "1", "--out", s(&r1cs)]);
        let bytes = fs::read(&r1cs).unwrap();
        // Deterministic: a second export is byte-identical, and the printed hash is its SHA-256.
        let again = d.join("again.r1cs");
        let out2 = ok(d, &["export-r1cs", "--depth", "1", "--out", s(&again)]);
        assert_eq!(fs::read(&again).unwrap(), bytes);
        let sha = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("sha256"))
            .unwrap()
            .trim()
            .to_string();
        assert!(out2.contains(&sha));
        use sha2::Digest;
        assert_eq!(sha, hex::encode(sha2::Sha256::digest(&bytes)));

        // snarkjs reads the counts we pin: 242·depth + 3,935 constraints, six public inputs.
        let info = snarkjs(d, &["r1cs", "info", "circuit.r1cs"]);
        let count = |label: &str| -> u64 {
            info.lines()
                .find_map(|l| l.split_once(label).map(|(_, v)| v.trim().to_string()))
                .unwrap_or_else(|| panic!("no {label:?} in:\n{info}"))
                .parse()
                .unwrap()
        };
        assert_eq!(count("# of Constraints:"), 304 * u64::from(DEPTH) + 3_935);
        assert_eq!(count("# of Public Inputs:"), 6);
        assert_eq!(count("# of Outputs:"), 0);
        let ours = R1cs::from_bytes(&bytes).unwrap();
        assert_eq!(count("# of Wires:"), u64::from(ours.num_wires));

        let ptau = ptau();
        let ptau = s(&ptau);
        snarkjs(d, &["groth16", "setup", "circuit.r1cs", ptau, "c0.zkey"]);
        assert!(fs::metadata(d.join("c0.zkey")).unwrap().len() > 0);
        let mut printed = Vec::new();
        for (from, to, name) in [("c0", "c1", "alice"), ("c1", "c2", "bob")] {
            let out = snarkjs(
                d,
                &[
                    "zkey",
                    "contribute",
                    &format!("{from}.zkey"),
                    &format!("{to}.zkey"),
                    &format!("--name={name}"),
                    &format!("-e=entropy of {name}"),
                ],
            );
            printed.extend(printed_hashes(&out, "Contribution Hash"));
        }
        let out = snarkjs(
            d,
            &[
                "zkey",
                "beacon",
                "c2.zkey",
                "final.zkey",
                BEACON,
                "10",
                "-n=final beacon",
            ],
        );
        printed.extend(printed_hashes(&out, "Contribution Hash"));
        assert_eq!(printed.len(), 3, "{out}");
        assert!(fs::metadata(d.join("final.zkey")).unwrap().len() > 0);
        let verified = snarkjs(d, &["zkey", "verify", "circuit.r1cs", ptau, "final.zkey"]);
        assert!(verified.contains("ZKey Ok!"), "{verified}");

        // Our import names the same contributions with the hashes their participants printed.
        let keys = d.join("keys");
        let out = ok(
            d,
            &[
                "import-zkey",
                "--zkey",
                s(&d.join("final.zkey")),
                "--depth",
                "1",
                "--out-dir",
                s(&keys),
            ],
        );
        for (hash, name) in printed.iter().zip(["alice", "bob", "final beacon"]) {
            assert!(
                out.contains(&format!("{name}: {hash}")),
                "{name} {hash} in:\n{out}"
            );
        }
        assert!(
            out.contains(&format!("value {BEACON}, 2^10 iterations")),
            "{out}"
        );
        Ceremony {
            zkey: d.join("final.zkey"),
            dir: dir.clone(),
            r1cs,
            contribution_hashes: printed,
            pk: keys.join("presentation-depth-1.pk"),
            vk: keys.join("presentation-depth-1.vk"),
        }
    })
}

/// A holder's vaccination credential at depth 1, proven with the key `pk` through the CLI
/// (witness written too) and verified under `vk`; returns the presentation file and the witness
/// file.
fn prove_with(pk: &Path, vk: &Path, d: &Path) -> (PathBuf, PathBuf) {
    let f = |name: &str| s(&d.join(name)).to_string();
    common::issue_vaccination(d, clock_day(), "1", 0, &[]);
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
            ISSUER,
            "--out",
            &f("policy.json"),
        ],
    );
    ok(d, &["challenge", "--out", &f("challenge.txt")]);
    let challenge = format!("@{}", f("challenge.txt"));
    ok(
        d,
        &[
            "prove",
            "--pk",
            s(pk),
            "--credential",
            &f("credential.json"),
            "--secret",
            &f("secret.json"),
            "--path",
            &f("path.json"),
            "--policy",
            &f("policy.json"),
            "--challenge",
            &challenge,
            "--verifier",
            VERIFIER,
            "--event",
            EVENT,
            "--out",
            &f("presentation.json"),
            "--wtns",
            &f("witness.wtns"),
        ],
    );
    let out = ok(
        d,
        &[
            "verify",
            "--vk",
            s(vk),
            "--policy",
            &f("policy.json"),
            "--roots",
            &f("roots.json"),
            "--presentation",
            &f("presentation.json"),
            "--challenge",
            &challenge,
            "--verifier",
            VERIFIER,
            "--event",
            EVENT,
        ],
    );
    assert!(out.contains("ACCEPTED"), "{out}");
    (d.join("presentation.json"), d.join("witness.wtns"))
}

/// A proof as snarkjs's `proof.json` writes it.
fn proof_from_snarkjs(json: &Value) -> Proof {
    use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
    use std::str::FromStr;
    let fq = |v: &Value| Fq::from_str(v.as_str().unwrap()).unwrap();
    let g1 = |v: &Value| G1Affine::new(fq(&v[0]), fq(&v[1]));
    let fq2 = |v: &Value| Fq2::new(fq(&v[0]), fq(&v[1]));
    let g2 = |v: &Value| G2Affine::new(fq2(&v[0]), fq2(&v[1]));
    Proof(ark_groth16::Proof {
        a: g1(&json["pi_a"]),
        b: g2(&json["pi_b"]),
        c: g1(&json["pi_c"]),
    })
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_snarkjs_ceremony_gives_keys_whose_proofs_everyone_verifies() {
    let c = ceremony();
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let d = work.path();

    // The imported artifact records the ceremony and the circom reduction.
    let info = ok(d, &["keys", "info", s(&c.pk)]);
    assert!(
        info.contains("snarkjs phase-2 ceremony: 2 contribution(s) and a beacon"),
        "{info}"
    );
    assert!(info.contains("reduction     circom"), "{info}");
    for hash in &c.contribution_hashes {
        assert!(info.contains(hash.as_str()), "{info}");
    }
    let vk_file = fs::read(&c.vk).unwrap();
    let vk = VerifyingKey::from_file_bytes(&vk_file).unwrap();
    assert!(info.contains(&vk.id().to_hex()), "{info}");

    // Our verification_key.json is snarkjs's, field by field.
    snarkjs(
        &c.dir,
        &[
            "zkey",
            "export",
            "verificationkey",
            "final.zkey",
            s(&d.join("snarkjs_vk.json")),
        ],
    );
    let (presentation_file, wtns) = prove_with(&c.pk, &c.vk, d);
    let ours = d.join("ours");
    ok(
        d,
        &[
            "export-snarkjs",
            "--vk",
            s(&c.vk),
            "--presentation",
            s(&presentation_file),
            "--out-dir",
            s(&ours),
        ],
    );
    let theirs = read_json(&d.join("snarkjs_vk.json"));
    let mine = read_json(&ours.join("verification_key.json"));
    for field in [
        "protocol",
        "curve",
        "nPublic",
        "vk_alpha_1",
        "vk_beta_2",
        "vk_gamma_2",
        "vk_delta_2",
        "vk_alphabeta_12",
        "IC",
    ] {
        assert_eq!(mine[field], theirs[field], "{field}");
    }

    // snarkjs verifies our proof.
    let out = snarkjs(
        d,
        &[
            "groth16",
            "verify",
            "ours/verification_key.json",
            "ours/public.json",
            "ours/proof.json",
        ],
    );
    assert!(out.contains("OK!"), "{out}");

    // Our witness satisfies the exported constraints; one changed value does not.
    let out = snarkjs(d, &["wtns", "check", s(&c.r1cs), s(&wtns)]);
    assert!(out.contains("WITNESS IS CORRECT"), "{out}");
    let mut bad = fs::read(&wtns).unwrap();
    let last = bad.len() - 32;
    bad[last] ^= 1;
    fs::write(d.join("bad.wtns"), &bad).unwrap();
    let o = snarkjs_output(d, &["wtns", "check", s(&c.r1cs), "bad.wtns"]);
    assert!(!o.status.success(), "{}", plain(&o.stdout));
    assert!(plain(&o.stdout).contains("WITNESS IS NOT CORRECT"));

    // snarkjs's proof from our witness and the ceremony's key verifies with us.
    let presentation =
        Presentation::from_json(&fs::read_to_string(&presentation_file).unwrap()).unwrap();
    snarkjs(
        d,
        &[
            "groth16",
            "prove",
            s(&c.zkey),
            s(&wtns),
            "their_proof.json",
            "their_public.json",
        ],
    );
    assert_eq!(
        read_json(&d.join("their_public.json")),
        read_json(&ours.join("public.json"))
    );
    let theirs = proof_from_snarkjs(&read_json(&d.join("their_proof.json")));
    assert_eq!(verify(&vk, &presentation.statement, &theirs), Ok(()));
    assert_ne!(theirs, presentation.proof);

    // The Solidity verifier (revm) accepts our proof and refuses a changed input.
    use zkhealth_evm::{
        bindings::Groth16Verifier,
        words::{input_words, proof_words},
    };
    let mut chain = harness::Chain::new();
    let deployer = harness::account(1);
    let code = zkhealth_evm::verifier_deploy_code(&vk).unwrap();
    let (_, address) = chain.try_deploy(deployer, code);
    let address = address.expect("the verifier deploys");
    let mut call = |statement: &zkhealth::circuits::Statement, proof: &Proof| -> bool {
        chain.read(
            address,
            &Groth16Verifier::verifyProofCall {
                proof: proof_words(proof),
                input: input_words(statement),
            },
        )
    };
    assert!(call(&presentation.statement, &presentation.proof));
    assert!(call(&presentation.statement, &theirs));
    let mut other = presentation.statement;
    other.challenge += zkhealth::circuits::Fr::from(1u8);
    assert!(!call(&other, &presentation.proof));
}

/// Reads the zkey's section table: `(type, offset of the body, size)`.
fn sections(bytes: &[u8]) -> Vec<(u32, usize, usize)> {
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let mut out = Vec::new();
    let mut at = 12;
    for _ in 0..word(8) {
        let size = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
        out.push((word(at), at + 12, size));
        at += 12 + size;
    }
    out
}

fn body(bytes: &[u8], section: u32) -> (usize, usize) {
    sections(bytes)
        .into_iter()
        .find(|(t, _, _)| *t == section)
        .map(|(_, at, size)| (at, size))
        .unwrap()
}

fn import(bytes: &[u8], depth: u32) -> Result<ProvingArtifact, ProverError> {
    let m = ConstraintMatrices::for_circuit::<PresentationCircuit>(depth).unwrap();
    zkey::import(bytes, CircuitId::Presentation, depth, &m)
}

/// `x·R mod q` little-endian, as a zkey stores a coordinate.
fn montgomery_le(x: &ark_bn254::Fq) -> [u8; 32] {
    use ark_ff::BigInteger;
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.0.to_bytes_le());
    out
}

#[test]
fn bad_zkeys_are_refused_with_errors_naming_the_mismatch() {
    use ark_bn254::{Fq, Fq2, G2Affine};
    use ark_ec::AffineRepr;
    use ark_ff::One;

    let c = ceremony();
    let good = fs::read(&c.zkey).unwrap();
    let err = |bytes: &[u8], depth: u32| match import(bytes, depth) {
        Ok(_) => panic!("imported"),
        Err(e) => e.to_string(),
    };
    // The genuine file imports, with the CLI's key id.
    let artifact = import(&good, DEPTH).unwrap();
    let vk = VerifyingKey::from_file_bytes(&fs::read(&c.vk).unwrap()).unwrap();
    assert_eq!(artifact.verifying_key(), &vk);

    // Truncated anywhere, or garbage.
    for cut in [0, 4, 11, 12, 30, good.len() / 3, good.len() - 1] {
        let e = err(&good[..cut], DEPTH);
        assert!(e.contains("zkey"), "{cut}: {e}");
    }
    assert!(err(b"not a zkey at all, just text", DEPTH).contains("does not start with"));
    let mut long = good.clone();
    long.push(0);
    assert!(err(&long, DEPTH).contains("after the last section"));

    // Another depth: another number of variables.
    let e = err(&good, 2);
    assert!(
        e.contains("number of variables") && e.contains("another circuit or depth"),
        "{e}"
    );

    // Another curve: the base field's prime changed (as a BLS12-381 key's would be).
    let (at, _) = body(&good, 2);
    let mut other = good.clone();
    other[at + 4] ^= 1;
    let e = err(&other, DEPTH);
    assert!(e.contains("not over BN254"), "{e}");
    let mut wide = good.clone();
    wide[at..at + 4].copy_from_slice(&48u32.to_le_bytes());
    assert!(err(&wide, DEPTH).contains("48 bytes"));

    // A coefficient of A changed: another circuit.
    let (at, _) = body(&good, 4);
    let mut coef = good.clone();
    coef[at + 4 + 12] ^= 1; // first coefficient's value, low byte
    let e = err(&coef, DEPTH);
    assert!(
        e.contains("matrix differs") || e.contains("canonical"),
        "{e}"
    );

    // A point of the A query moved off the curve.
    let (at, size) = body(&good, 5);
    let a = &good[at..at + size];
    let first = a
        .chunks(64)
        .position(|p| p.iter().any(|b| *b != 0))
        .unwrap();
    let mut off = good.clone();
    off[at + 64 * first] ^= 1;
    assert!(err(&off, DEPTH).contains("not on the curve"));

    // A point of B2 on the twist but outside the prime-order subgroup.
    let outside = (1u64..)
        .find_map(|i| {
            let x = Fq2::new(Fq::from(i), Fq::one());
            G2Affine::get_point_from_x_unchecked(x, false)
                .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        })
        .unwrap();
    let (x, y) = outside.xy().unwrap();
    assert!(outside.is_on_curve());
    let (at, _) = body(&good, 7);
    let mut twisted = good.clone();
    for (i, coord) in [x.c0, x.c1, y.c0, y.c1].iter().enumerate() {
        twisted[at + 32 * i..at + 32 * (i + 1)].copy_from_slice(&montgomery_le(coord));
    }
    assert!(err(&twisted, DEPTH).contains("outside the prime-order subgroup"));

    // A non-canonical coordinate (the prime itself).
    let mut big = good.clone();
    let (at, _) = body(&good, 6);
    big[at..at + 32].copy_from_slice(&[0xff; 32]);
    assert!(err(&big, DEPTH).contains("canonical"));

    // The CLI names the file and exits 1, never panicking.
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("bad.zkey"), &twisted).unwrap();
    let o = zk(
        d.path(),
        &[
            "import-zkey",
            "--zkey",
            s(&d.path().join("bad.zkey")),
            "--depth",
            "1",
            "--out-dir",
            s(&d.path().join("keys")),
        ],
    );
    let e = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("bad.zkey") && !e.contains("panicked"), "{e}");
    assert!(!d.path().join("keys").exists());
}

#[test]
fn snarkjs_verifies_presentations_under_development_keys_too() {
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let d = work.path();
    let keys = d.join("keys");
    ok(d, &["setup", "--depth", "1", "--out-dir", s(&keys)]);
    let (pk, vk) = (
        keys.join("presentation-depth-1.pk"),
        keys.join("presentation-depth-1.vk"),
    );
    let info = ok(d, &["keys", "info", s(&pk)]);
    assert!(info.contains("development setup"), "{info}");
    assert!(info.contains("reduction     libsnark"), "{info}");
    let (presentation, _) = prove_with(&pk, &vk, d);
    let out = d.join("snarkjs");
    ok(
        d,
        &[
            "export-snarkjs",
            "--vk",
            s(&vk),
            "--presentation",
            s(&presentation),
            "--out-dir",
            s(&out),
        ],
    );
    let verified = snarkjs(
        &out,
        &[
            "groth16",
            "verify",
            "verification_key.json",
            "public.json",
            "proof.json",
        ],
    );
    assert!(verified.contains("OK!"), "{verified}");
    // A changed public input is refused by snarkjs too.
    let mut public = read_json(&out.join("public.json"));
    public[2] = Value::String("12345".into());
    fs::write(out.join("public.json"), public.to_string()).unwrap();
    let o = snarkjs_output(
        &out,
        &[
            "groth16",
            "verify",
            "verification_key.json",
            "public.json",
            "proof.json",
        ],
    );
    assert!(!o.status.success(), "{}", plain(&o.stdout));
    assert!(plain(&o.stdout).contains("Invalid proof"));
    // A presentation made under another key is refused by the export.
    let other = d.join("other");
    ok(d, &["setup", "--depth", "1", "--out-dir", s(&other)]);
    let e = common::fails(
        d,
        &[
            "export-snarkjs",
            "--vk",
            s(&other.join("presentation-depth-1.vk")),
            "--presentation",
            s(&presentation),
            "--out-dir",
            s(&d.join("mixed")),
        ],
        1,
    );
    assert!(e.contains("was made under key"), "{e}");
    assert!(!d.join("mixed").exists());
}
