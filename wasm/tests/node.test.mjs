// The npm package in Node: the wallet proves from the holder's files, the checkpoint verifies
// the QR text, and every refusal carries its code. Run by `cli/tests/wasm.rs`, which builds the
// package (wasm/build.sh) and writes the fixtures with the CLI into $ZKH_FIXTURES:
// keys (vk, pk and their ids), policy, roots, credential, secret and path, at a small depth.
// Timings go to $ZKH_TIMINGS (JSON) for the README's table.
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

test("bad configuration and bad caller input throw, naming what is wrong", () => {
  const key = bytes("presentation.vk");
  const id = text("key-id.txt");
  const [policy, roots] = [text("policy.json"), text("roots.json")];
  const otherId = id.slice(0, -1) + (id.endsWith("0") ? "1" : "0");
  assert.throws(() => new light.Checkpoint(key, otherId, policy, roots, VERIFIER, EVENT), /pinned/);
  assert.throws(() => new light.Checkpoint(key.slice(0, 40), id, policy, roots, VERIFIER, EVENT), /verifying key/);
  assert.throws(() => new light.Checkpoint(key, "0x12", policy, roots, VERIFIER, EVENT), /key id/);
  assert.throws(() => new light.Checkpoint(key, id, "{}", roots, VERIFIER, EVENT), /policy/);
  assert.throws(() => new light.Checkpoint(key, id, policy, "[]", VERIFIER, EVENT), /issuer roots/);
  const cp = checkpoint(light);
  assert.throws(() => cp.verify("ZKH1:", now(), "0x1", []), /challenge/);
  assert.throws(() => cp.verify("ZKH1:", -5, light.newChallenge(), []), /time/);
  assert.throws(() => cp.verify("ZKH1:", now(), light.newChallenge(), ["zz"]), /used nullifier/);
  const pk = bytes("presentation.pk");
  const wrong = text("artifact-id.txt").replace(/.$/, (c) => (c === "0" ? "1" : "0"));
  assert.throws(() => new full.Wallet(pk, wrong), /proving artifact/);
  const wallet = new full.Wallet(pk, text("artifact-id.txt"));
  assert.throws(
    () => wallet.prove("{}", text("secret.json"), text("path.json"), text("policy.json"),
      light.newChallenge(), VERIFIER, EVENT, now(), () => {}),
    /credential/,
  );
});
