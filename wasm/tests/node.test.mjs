// The npm package in Node: the wallet proves from the holder's files, the checkpoint verifies
// the QR text and the JSON, every refusal carries its code, and so does every error thrown:
// bad configuration (wrong or truncated key and artifact files), truncated presentations,
// images without a QR code, and a panic inside the module, which restarts it. Run by
// `cli/tests/wasm.rs`, which builds the package (wasm/build.sh) and writes the fixtures with
// the CLI into $ZKH_FIXTURES: keys (vk, pk and their ids) and another depth's (other.*), policy,
// roots, credential, secret and path, at a small depth, and a presentation as JSON for the
// challenge in json-challenge.txt. Timings go to $ZKH_TIMINGS (JSON) for the README's table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const full = require("../npm/node/zkhealth.js");
const light = require("../npm/node/zkhealth_verifier.js");

const dir = process.env.ZKH_FIXTURES;
assert.ok(dir, "ZKH_FIXTURES names the fixture directory");
const bytes = (name) => new Uint8Array(readFileSync(join(dir, name)));
const text = (name) => readFileSync(join(dir, name), "utf8").trim();
const VERIFIER = "checkpoint-AMS";
const EVENT = "2026-boarding";
const now = () => Math.floor(Date.now() / 1000);
const timings = {};

/** Asserts that `f` throws the package's `Error` with `code` (never a wasm trap). */
function throwsCode(f, code, message) {
  assert.throws(f, (e) => {
    assert.ok(!(e instanceof WebAssembly.RuntimeError), `a trap: ${e}`);
    assert.ok(e instanceof Error, `not an Error: ${e}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** `count` bytes from a fixed xorshift sequence. */
function noise(count, seed = 1) {
  let x = seed;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A `width × height` RGBA image of one grey level. */
function flat(width, height, level) {
  const rgba = new Uint8Array(width * height * 4).fill(level);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return rgba;
}

/**
 * Five finder-like squares on white, 81×51 (as verifier/src/qr.rs draws them): each 7×7
 * modules of `module` pixels from the corner of its centre module at (x, y), dark but for the
 * ring two modules from the centre. rqrr 0.10.1 fails an assertion on it.
 */
function crafted() {
  const [width, height] = [81, 51];
  const grey = new Uint8Array(width * height).fill(255);
  for (const [x, y, module] of [[28, 35, 1], [28, 5, 5], [31, 36, 1], [4, 24, 4], [59, 43, 5]]) {
    for (let i = 0; i < grey.length; i++) {
      const u = Math.floor((i % width - x) / module);
      const v = Math.floor((Math.floor(i / width) - y) / module);
      const ring = Math.max(Math.abs(u), Math.abs(v));
      if (ring <= 3) grey[i] = ring === 2 ? 255 : 0;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  grey.forEach((g, i) => rgba.set([g, g, g, 255], 4 * i));
  return { rgba, width, height };
}

function checkpoint(lib) {
  return new lib.Checkpoint(
    bytes("presentation.vk"),
    text("key-id.txt"),
    text("policy.json"),
    text("roots.json"),
    VERIFIER,
    EVENT,
  );
}

function prove(challenge, verifier = VERIFIER) {
  const wallet = new full.Wallet(bytes("presentation.pk"), text("artifact-id.txt"));
  const stages = [];
  const start = performance.now();
  const qr = wallet.prove(
    text("credential.json"),
    text("secret.json"),
    text("path.json"),
    text("policy.json"),
    challenge,
    verifier,
    EVENT,
    now(),
    (stage, fraction) => stages.push([stage, fraction]),
  );
  timings.prove_ms = performance.now() - start;
  timings.depth = wallet.depth();
  return { qr, stages };
}

test("the wallet proves and the light checkpoint accepts, once", () => {
  const challenge = light.newChallenge();
  const { qr, stages } = prove(challenge);
  assert.match(qr, /^ZKH1:[0-9A-Z $%*+\-./:]+$/);
  assert.deepEqual(
    stages.map(([s]) => s),
    ["checking", "proving", "verifying", "done"],
  );
  assert.ok(stages.every(([, f], i) => i === 0 || f >= stages[i - 1][1]));

  const cp = checkpoint(light);
  assert.equal(cp.keyId(), text("key-id.txt"));
  assert.equal(cp.issuer(), "NL-RIVM");
  assert.equal(cp.scope(), light.scopeOf(VERIFIER, EVENT));
  const start = performance.now();
  const first = JSON.parse(cp.verify(qr, now(), challenge, []));
  timings.verify_ms = performance.now() - start;
  assert.equal(first.accepted, true, JSON.stringify(first));
  assert.match(first.nullifier, /^0x[0-9a-f]{64}$/);
  assert.deepEqual(first.disclosed, [{ name: "country", value: "NL" }]);

  // Again, with the nullifier recorded: refused as reused (after the whole check, so this
  // times a second verification).
  const warm = performance.now();
  const again = JSON.parse(cp.verify(qr, now(), challenge, [first.nullifier]));
  timings.verify_again_ms = performance.now() - warm;
  assert.equal(again.accepted, false);
  assert.equal(again.code, "nullifier_reused", JSON.stringify(again));

  // Another challenge: refused before the proof is checked.
  const other = JSON.parse(cp.verify(qr, now(), light.newChallenge(), []));
  assert.equal(other.code, "challenge_mismatch", JSON.stringify(other));

  // Each of the verifier's own checks in the full module too.
  const full_cp = checkpoint(full);
  assert.equal(JSON.parse(full_cp.verify(qr, now(), challenge, [])).accepted, true);
  writeFileSync(process.env.ZKH_TIMINGS ?? "/dev/null", JSON.stringify(timings));
});

test("a tampered or garbled presentation is refused with its reason", () => {
  const challenge = light.newChallenge();
  const { qr } = prove(challenge);
  const cp = checkpoint(light);
  // Change one character inside the proof (the text's last part): the proof no longer
  // verifies, or the point no longer decodes.
  const i = qr.length - 10;
  const swapped = qr[i] === "A" ? "B" : "A";
  const tampered = qr.slice(0, i) + swapped + qr.slice(i + 1);
  const outcome = JSON.parse(cp.verify(tampered, now(), challenge, []));
  assert.equal(outcome.accepted, false);
  assert.ok(
    ["invalid_proof", "malformed_presentation"].includes(outcome.code),
    JSON.stringify(outcome),
  );
  for (const garbage of ["", "ZKH1:", "ZKH1:%%%", "{}", "not a presentation"]) {
    const r = JSON.parse(cp.verify(garbage, now(), challenge, []));
    assert.equal(r.accepted, false);
    assert.equal(r.code, "malformed_presentation", garbage);
  }
  // A presentation for another verifier's scope.
  const elsewhere = prove(challenge, "checkpoint-CDG").qr;
  assert.equal(JSON.parse(cp.verify(elsewhere, now(), challenge, [])).code, "scope_mismatch");
});

test("bad configuration and bad caller input throw, naming what is wrong, with a code", () => {
  const key = bytes("presentation.vk");
  const id = text("key-id.txt");
  const [policy, roots] = [text("policy.json"), text("roots.json")];
  const otherId = id.slice(0, -1) + (id.endsWith("0") ? "1" : "0");
  const make = (k, i, p = policy, r = roots) => () =>
    new light.Checkpoint(k, i, p, r, VERIFIER, EVENT);
  throwsCode(make(key, otherId), "key_id_mismatch", /pinned/);
  throwsCode(make(key, "0x12"), "invalid_key_id", /key id/);
  throwsCode(make(key, id, "{}"), "invalid_policy", /policy/);
  throwsCode(make(key, id, policy, "[]"), "invalid_roots", /issuer roots/);
  throwsCode(() => new light.Checkpoint(key, id, policy, roots, "", EVENT), "invalid_scope");
  throwsCode(() => light.scopeOf(VERIFIER, ""), "invalid_scope", /scope/);
  // Wrong key files: another depth's key (a valid key, not the pinned one), the key truncated
  // at several points, random bytes, the proving artifact.
  const other = bytes("other.vk");
  throwsCode(make(other, id), "key_id_mismatch", /depth \d+\), not the pinned/);
  for (const cut of [0, 1, 8, 40, key.length / 2, key.length - 1]) {
    throwsCode(make(key.slice(0, cut), id), "invalid_verifying_key", /verifying key/);
  }
  throwsCode(make(noise(key.length), id), "invalid_verifying_key", /verifying key/);
  throwsCode(make(bytes("presentation.pk"), id), "invalid_verifying_key", /verifying key/);
  // Pinned to the other key, it loads, and refuses this depth's presentations (below).
  assert.equal(make(other, text("other-key-id.txt"))().keyId(), text("other-key-id.txt"));

  const cp = checkpoint(light);
  throwsCode(() => cp.verify("ZKH1:", now(), "0x1", []), "invalid_challenge", /challenge/);
  throwsCode(() => cp.verify("ZKH1:", -5, light.newChallenge(), []), "invalid_time", /time/);
  throwsCode(() => cp.verify("ZKH1:", now(), light.newChallenge(), ["zz"]), "invalid_nullifier", /used nullifier/);
  throwsCode(() => light.qrSvg("Z".repeat(8000), 100), "qr_too_long", /QR code/);

  const pk = bytes("presentation.pk");
  const artifactId = text("artifact-id.txt");
  const wrong = artifactId.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
  throwsCode(() => new full.Wallet(pk, wrong), "artifact_id_mismatch", /proving artifact/);
  throwsCode(() => new full.Wallet(pk, "0x12"), "invalid_artifact_id", /artifact id/);
  throwsCode(() => new full.Wallet(bytes("other.pk"), artifactId), "artifact_id_mismatch");
  for (const cut of [0, 40, pk.length / 2, pk.length - 1]) {
    throwsCode(() => new full.Wallet(pk.slice(0, cut), artifactId), "invalid_artifact", /proving artifact/);
  }
  throwsCode(() => new full.Wallet(noise(4096), artifactId), "invalid_artifact");
  throwsCode(() => new full.Wallet(bytes("presentation.vk"), artifactId), "invalid_artifact");
  const wallet = new full.Wallet(pk, artifactId);
  const args = [text("credential.json"), text("secret.json"), text("path.json"), text("policy.json"),
    light.newChallenge(), VERIFIER, EVENT, now(), () => {}];
  const proveWith = (i, value) => () => wallet.prove(...args.map((a, j) => (j === i ? value : a)));
  throwsCode(proveWith(0, "{}"), "invalid_credential", /credential/);
  throwsCode(proveWith(1, "{}"), "invalid_secret", /holder secret/);
  throwsCode(proveWith(2, "[]"), "invalid_path", /Merkle path/);
  throwsCode(proveWith(3, "{}"), "invalid_policy", /policy/);
  throwsCode(proveWith(4, "0x"), "invalid_challenge", /challenge/);
  throwsCode(proveWith(7, 1.5), "invalid_time", /time/);
  // Another holder's secret: the request cannot be proved.
  const otherSecret = JSON.stringify(light.newChallenge());
  throwsCode(proveWith(1, otherSecret), "request_refused", /request/);
});

test("a truncated presentation is refused as malformed, never thrown", () => {
  const challenge = light.newChallenge();
  const { qr } = prove(challenge);
  const cp = checkpoint(light);
  const n = qr.length;
  const cuts = [0, 3, 4, 5, 6, 7, 8, 20, n >> 2, n >> 1, (3 * n) >> 2, n - 3, n - 2, n - 1];
  for (const cut of cuts) {
    const outcome = JSON.parse(cp.verify(qr.slice(0, cut), now(), challenge, []));
    assert.equal(outcome.accepted, false, `cut at ${cut}`);
    assert.equal(outcome.code, "malformed_presentation", `cut at ${cut}: ${JSON.stringify(outcome)}`);
  }
  // Whole, it is accepted: the truncations refused nothing else.
  assert.equal(JSON.parse(cp.verify(qr, now(), challenge, [])).accepted, true);
});

test("a JSON presentation is accepted once, refused truncated or at another depth's key", () => {
  const json = text("presentation.json");
  const challenge = text("json-challenge.txt");
  const cp = checkpoint(light);
  const outcome = JSON.parse(cp.verify(json, now(), challenge, []));
  assert.equal(outcome.accepted, true, JSON.stringify(outcome));
  assert.deepEqual(outcome.disclosed, [{ name: "country", value: "NL" }]);
  const again = JSON.parse(cp.verify(json, now(), challenge, [outcome.nullifier]));
  assert.equal(again.code, "nullifier_reused", JSON.stringify(again));
  for (const cut of [1, 2, json.length >> 2, json.length >> 1, json.length - 2, json.length - 1]) {
    const r = JSON.parse(cp.verify(json.slice(0, cut), now(), challenge, []));
    assert.equal(r.accepted, false, `cut at ${cut}`);
    assert.equal(r.code, "malformed_presentation", `cut at ${cut}: ${JSON.stringify(r)}`);
  }
  // A checkpoint pinned to another depth's key refuses it by its key.
  const elsewhere = new light.Checkpoint(bytes("other.vk"), text("other-key-id.txt"),
    text("policy.json"), text("roots.json"), VERIFIER, EVENT);
  const wrong = JSON.parse(elsewhere.verify(json, now(), challenge, []));
  assert.equal(wrong.accepted, false);
  assert.ok(["wrong_depth", "wrong_key"].includes(wrong.code), JSON.stringify(wrong));
});

test("an image without a QR code throws qr_not_found, never traps", () => {
  for (const lib of [light, full]) {
    const images = [
      ["noise", noise(120 * 90 * 4), 120, 90],
      ["black", flat(64, 64, 0), 64, 64],
      ["white", flat(64, 64, 255), 64, 64],
      ["grey", flat(33, 17, 128), 33, 17],
      ["1×1", flat(1, 1, 0), 1, 1],
      ["0×0", new Uint8Array(0), 0, 0],
      ["0×5", new Uint8Array(0), 0, 5],
    ];
    for (const [name, rgba, width, height] of images) {
      throwsCode(() => lib.readQr(rgba, width, height), "qr_not_found", /no QR code/);
    }
    throwsCode(() => lib.readQr(new Uint8Array(10), 2, 2), "qr_bad_image");
    throwsCode(() => lib.readQr(new Uint8Array(0), 9000, 0), "qr_bad_image");
    throwsCode(() => lib.readQr(flat(2, 2, 0), 2, 3), "qr_bad_image");
  }
});

test("an image the QR decoder panics on throws internal_panic, logged, and the module restarts", () => {
  const challenge = light.newChallenge();
  const { qr } = prove(challenge);
  const before = checkpoint(light);
  const logged = [];
  const consoleError = console.error;
  console.error = (...args) => logged.push(args.join(" "));
  const image = crafted();
  try {
    throwsCode(() => light.readQr(image.rgba, image.width, image.height), "internal_panic", /panicked at/);
  } finally {
    console.error = consoleError;
  }
  // The hook logged the panic: rqrr's assertion.
  assert.ok(logged.some((l) => /^zkhealth: panicked at .*rqrr.*assertion failed/s.test(l)), logged.join("\n"));
  // The module was replaced: an object made before is stale, a new one works.
  assert.throws(() => before.keyId(), /stale/);
  throwsCode(() => light.readQr(flat(8, 8, 255), 8, 8), "qr_not_found");
  const after = checkpoint(light);
  const outcome = JSON.parse(after.verify(qr, now(), challenge, []));
  assert.equal(outcome.accepted, true, JSON.stringify(outcome));
  // Again, in the module with the prover; its wallet is made again after.
  console.error = () => {};
  try {
    throwsCode(() => full.readQr(image.rgba, image.width, image.height), "internal_panic");
  } finally {
    console.error = consoleError;
  }
  assert.match(prove(light.newChallenge()).qr, /^ZKH1:/);
});
