// The checkpoint and wallet pages in headless Chromium (Debian's chromium, driven by
// playwright-core). Run by `cli/tests/wasm.rs`, which builds the package, serves web/ with
// `zkhealth web` at $ZKH_WEB_URL (the checkpoint's and wallet's configuration at /config/) and
// writes the holder's files into $ZKH_FIXTURES. Screenshots of both pages go to
// $ZKH_SCREENSHOTS.
//
// The wallet proves from the fixture files; the checkpoint reads the resulting QR image and
// shows ACCEPTED; the same image again shows REFUSED (nullifier), also after a reload; a
// tampered presentation shows REFUSED (invalid proof); after a new challenge the first
// presentation shows REFUSED (challenge); offline, the reloaded checkpoint still verifies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.ZKH_WEB_URL;
const fixtures = process.env.ZKH_FIXTURES;
const shots = process.env.ZKH_SCREENSHOTS;
assert.ok(base && fixtures && shots, "ZKH_WEB_URL, ZKH_FIXTURES and ZKH_SCREENSHOTS are set");
mkdirSync(shots, { recursive: true });

// RFC 9285 base45, to tamper with a presentation's bytes.
const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
function b45decode(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const c = [...text.slice(i, i + 3)].map((ch) => B45.indexOf(ch));
    const n = c[0] + c[1] * 45 + (c.length === 3 ? c[2] * 2025 : 0);
    if (c.length === 3) out.push(n >> 8);
    out.push(n & 0xff);
  }
  return out;
}
function b45encode(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      const n = bytes[i] * 256 + bytes[i + 1];
      s += B45[n % 45] + B45[Math.floor(n / 45) % 45] + B45[Math.floor(n / 2025)];
    } else {
      s += B45[bytes[i] % 45] + B45[Math.floor(bytes[i] / 45)];
    }
  }
  return s;
}

test("checkpoint and wallet in Chromium", { timeout: 600_000 }, async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 900, height: 1300 } });
    const checkpoint = await context.newPage();
    await checkpoint.goto(new URL("checkpoint/", base).href);
    await checkpoint.waitForSelector('#status[data-ready="true"]', { timeout: 60_000 });
    const request = await checkpoint.textContent("#challenge-text");
    assert.match(request, /"challenge":"0x[0-9a-f]{64}"/);

    const wallet = await context.newPage();
    await wallet.goto(new URL("wallet/", base).href);
    await wallet.waitForSelector('#status[data-ready="true"]', { timeout: 60_000 });
    for (const name of ["credential", "secret", "path", "policy"]) {
      await wallet.setInputFiles(`#${name}`, join(fixtures, `${name}.json`));
    }
    await wallet.fill("#challenge", request);
    const timings = {};
    let start = performance.now();
    await wallet.click("#prove");
    await wallet.waitForSelector("#presentation-qr svg", { timeout: 300_000 });
    // From the click to the QR code: the artifact fetched and loaded, the proof, its check.
    timings.prove_ms = performance.now() - start;
    assert.equal(await wallet.getAttribute("#progress", "value"), "1");
    const qr = await wallet.locator("#presentation-qr svg").screenshot();
    await wallet.screenshot({ path: join(shots, "wallet.png"), fullPage: true });
    const text = (await wallet.inputValue("#presentation")).trim();
    assert.match(text, /^ZKH1:/);

    /** Uploads a QR image to the checkpoint and returns the verdict and reason shown. */
    async function present(png, shot) {
      await checkpoint.evaluate(() => {
        document.getElementById("verdict").textContent = "";
      });
      await checkpoint.setInputFiles("#upload", {
        name: "presentation.png",
        mimeType: "image/png",
        buffer: png,
      });
      await checkpoint.waitForFunction(() => document.getElementById("verdict").textContent !== "");
      if (shot) await checkpoint.screenshot({ path: join(shots, shot), fullPage: true });
      return {
        verdict: await checkpoint.textContent("#verdict"),
        reason: await checkpoint.textContent("#reason"),
        disclosed: await checkpoint.textContent("#disclosed"),
      };
    }

    start = performance.now();
    const first = await present(qr, "checkpoint-accepted.png");
    // From the upload to the verdict: the image decoded, the QR read, the presentation verified
    // (the first verification builds the key's tables), the nullifier committed; and again.
    timings.verify_ms = performance.now() - start;
    assert.equal(first.verdict, "ACCEPTED", first.reason);
    assert.match(first.disclosed, /country: NL/);

    start = performance.now();
    const again = await present(qr, "checkpoint-refused-reused.png");
    timings.verify_again_ms = performance.now() - start;
    if (process.env.ZKH_TIMINGS) writeFileSync(process.env.ZKH_TIMINGS, JSON.stringify(timings));
    assert.equal(again.verdict, "REFUSED");
    assert.match(again.reason, /^nullifier_reused/);

    await checkpoint.reload();
    await checkpoint.waitForSelector('#status[data-ready="true"]', { timeout: 60_000 });
    const reloaded = await present(qr);
    assert.equal(reloaded.verdict, "REFUSED");
    assert.match(reloaded.reason, /^nullifier_reused/);

    // The nullifier input changed in its last byte: still a canonical field element, so the
    // presentation decodes, and the proof no longer verifies.
    const bytes = b45decode(text.slice("ZKH1:".length));
    const nullifierEnd = 36 + 5 * 32;
    bytes[nullifierEnd - 1] ^= 1;
    await wallet.fill("#presentation", `ZKH1:${b45encode(bytes)}`);
    await wallet.click("#show");
    await wallet.waitForFunction(
      (t) => document.getElementById("presentation").value === t,
      `ZKH1:${b45encode(bytes)}`,
    );
    const tampered = await wallet.locator("#presentation-qr svg").screenshot();
    const forged = await present(tampered, "checkpoint-refused-tampered.png");
    assert.equal(forged.verdict, "REFUSED");
    assert.match(forged.reason, /^invalid_proof/);

    await checkpoint.click("#new-challenge");
    const stale = await present(qr, "checkpoint-refused-challenge.png");
    assert.equal(stale.verdict, "REFUSED");
    assert.match(stale.reason, /^challenge_mismatch/);

    // Offline after the first load: the service worker serves the page, module and config.
    await checkpoint.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await context.setOffline(true);
    await checkpoint.reload();
    await checkpoint.waitForSelector('#status[data-ready="true"]', { timeout: 60_000 });
    const offline = await present(qr);
    assert.equal(offline.verdict, "REFUSED");
    assert.match(offline.reason, /^challenge_mismatch/);
    await context.setOffline(false);
  } finally {
    await browser.close();
  }
});
