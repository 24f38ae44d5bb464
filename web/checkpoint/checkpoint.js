// The checkpoint: a pinned key, policy and roots (config/checkpoint.json), a challenge shown as
// a QR code, presentations read from the camera or an image and verified offline, and the
// nullifiers it accepted kept in IndexedDB, so that a presentation used once is refused after a
// reload too. A service worker keeps the page, the module and the configuration for offline use.
//
// Bad input never stops the page: an image without a readable QR code is REFUSED as
// `unreadable`, a presentation that does not decode as `malformed_presentation`. If the module
// panics (rqrr, the QR decoder, does on some crafted images) it logs the panic, throws
// `internal_panic` and restarts itself; the page then makes its checkpoint again from the
// configuration it loaded.
import init, { Checkpoint, newChallenge, qrSvg, readQr } from "../pkg/zkhealth_verifier.js";
import { readQrFile, scanCamera } from "../qr-input.js";

const $ = (id) => document.getElementById(id);
const CHALLENGE_KEY = "zkhealth-checkpoint-challenge";

/** The nullifiers this checkpoint accepted, per scope, in IndexedDB. */
const db = new Promise((resolve, reject) => {
  const open = indexedDB.open("zkhealth-checkpoint", 1);
  open.onupgradeneeded = () =>
    open.result.createObjectStore("nullifiers", { keyPath: ["scope", "nullifier"] });
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});

async function usedNullifiers(scope) {
  const store = (await db).transaction("nullifiers").objectStore("nullifiers");
  const all = await new Promise((resolve, reject) => {
    const req = store.getAll();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return all.filter((r) => r.scope === scope).map((r) => r.nullifier);
}

/** Records a nullifier; resolves once the transaction has committed. */
async function recordNullifier(scope, nullifier) {
  const tx = (await db).transaction("nullifiers", "readwrite", { durability: "strict" });
  tx.objectStore("nullifiers").add({ scope, nullifier, at: Date.now() });
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("aborted"));
  });
}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function fetchText(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.text();
}

let checkpoint;
let config;
/** The configuration's files, kept to make the checkpoint again after the module restarts. */
let files;

function makeCheckpoint() {
  return new Checkpoint(
    files.vk,
    config.keyId,
    files.policy,
    files.roots,
    config.verifierId,
    config.event,
  );
}

/** After an `internal_panic` the module has restarted: objects made before are stale. */
function restartedBy(e) {
  if (e?.code !== "internal_panic") return false;
  checkpoint = makeCheckpoint();
  return true;
}

/** `readQr`, making the checkpoint again if the decoder panicked on the image. */
function readQrHere(rgba, width, height) {
  try {
    return readQr(rgba, width, height);
  } catch (e) {
    if (restartedBy(e)) throw new Error("the QR reader failed on this image", { cause: e });
    throw e;
  }
}

/** The current challenge, kept across reloads until a new one is drawn. */
function challenge() {
  let c = localStorage.getItem(CHALLENGE_KEY);
  if (!c) {
    c = newChallenge();
    localStorage.setItem(CHALLENGE_KEY, c);
  }
  return c;
}

function showChallenge() {
  const request = JSON.stringify({
    challenge: challenge(),
    verifier: config.verifierId,
    event: config.event,
  });
  $("challenge-qr").innerHTML = qrSvg(request, 288);
  $("challenge-text").textContent = request;
}

function show(outcome) {
  const verdict = $("verdict");
  verdict.textContent = outcome.accepted ? "ACCEPTED" : "REFUSED";
  verdict.className = outcome.accepted ? "accepted" : "refused";
  $("reason").textContent = outcome.accepted
    ? `nullifier ${outcome.nullifier}`
    : `${outcome.code}: ${outcome.reason}`;
  const list = $("disclosed");
  list.replaceChildren(
    ...(outcome.disclosed ?? []).map((d) => {
      const li = document.createElement("li");
      li.textContent = `${d.name}: ${d.value}`;
      return li;
    }),
  );
}

async function verifyText(text) {
  const scope = checkpoint.scope();
  const used = await usedNullifiers(scope);
  const now = Math.floor(Date.now() / 1000);
  let outcome;
  try {
    outcome = JSON.parse(checkpoint.verify(text, now, challenge(), used));
  } catch (e) {
    restartedBy(e);
    show({ accepted: false, code: e.code ?? "error", reason: String(e.message ?? e) });
    return;
  }
  if (outcome.accepted) {
    // Durable before ACCEPTED is shown.
    try {
      await recordNullifier(scope, outcome.nullifier);
    } catch (e) {
      show({ accepted: false, code: "nullifier_reused", reason: `not recorded: ${e}` });
      return;
    }
  }
  show(outcome);
}

function refuseUnread(e) {
  show({ accepted: false, code: "unreadable", reason: String(e.message ?? e) });
}

/** Which configuration file an error code of the `Checkpoint` constructor is about. */
function fileOf(code) {
  return {
    invalid_verifying_key: config.vk,
    key_id_mismatch: config.vk,
    invalid_policy: config.policy,
    invalid_roots: config.roots,
  }[code] ?? "checkpoint.json";
}

async function main() {
  await init();
  config = JSON.parse(await fetchText("../config/checkpoint.json"));
  const base = new URL("../config/", location.href);
  files = {
    vk: await fetchBytes(new URL(config.vk, base)),
    policy: await fetchText(new URL(config.policy, base)),
    roots: await fetchText(new URL(config.roots, base)),
  };
  try {
    checkpoint = makeCheckpoint();
  } catch (e) {
    throw new Error(`config/${fileOf(e.code)}: ${e.code}: ${e.message}`, { cause: e });
  }
  showChallenge();
  $("new-challenge").onclick = () => {
    localStorage.setItem(CHALLENGE_KEY, newChallenge());
    showChallenge();
  };
  $("upload").onchange = async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    let text;
    try {
      text = await readQrFile(readQrHere, file);
    } catch (e) {
      refuseUnread(e);
      return;
    }
    await verifyText(text);
  };
  $("camera").onclick = () =>
    scanCamera(readQrHere, $("video"), (text) => verifyText(text)).catch(refuseUnread);
  $("status").textContent = `Ready: key ${checkpoint.keyId()}, issuer ${checkpoint.issuer()}`;
  $("status").dataset.ready = "true";
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js").catch(() => {});
  }
}

main().catch((e) => {
  $("status").textContent = `The checkpoint could not start: ${e.message ?? e}`;
  $("status").dataset.error = "true";
});
