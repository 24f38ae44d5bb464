// Proves off the page's thread: loads the module and the pinned proving artifact once, then
// answers each request with progress messages and the presentation's QR text, or an error with
// its code. After an `internal_panic` the module has restarted: the wallet is loaded again.
import init, { Wallet } from "../pkg/zkhealth.js";

const ready = init();
const wallets = new Map();

async function wallet(url, id) {
  const key = `${url} ${id}`;
  if (!wallets.has(key)) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`proving artifact ${url}: ${r.status}`);
    wallets.set(key, new Wallet(new Uint8Array(await r.arrayBuffer()), id));
  }
  return wallets.get(key);
}

self.onmessage = async ({ data }) => {
  try {
    await ready;
    postMessage({ type: "progress", stage: "loading the proving key", fraction: 0 });
    const w = await wallet(data.artifactUrl, data.artifactId);
    const qr = w.prove(
      data.credential,
      data.secret,
      data.path,
      data.policy,
      data.challenge,
      data.verifier,
      data.event,
      data.now,
      (stage, fraction) => postMessage({ type: "progress", stage, fraction }),
    );
    postMessage({ type: "done", qr });
  } catch (e) {
    if (e?.code === "internal_panic") wallets.clear();
    postMessage({ type: "error", code: e?.code, message: String(e?.message ?? e) });
  }
};
