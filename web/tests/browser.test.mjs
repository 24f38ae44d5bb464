// The checkpoint and wallet pages in headless Chromium (Debian's chromium, driven by
// playwright-core). Run by `cli/tests/wasm.rs`, which builds the package, serves web/ with
// `zkhealth web` at $ZKH_WEB_URL (the checkpoint's and wallet's configuration at /config/) and
// writes the holder's files into $ZKH_FIXTURES. Screenshots of both pages go to
// $ZKH_SCREENSHOTS.
//
// The wallet proves from the fixture files; the checkpoint reads the resulting QR image and
// shows ACCEPTED; the same image again shows REFUSED (nullifier), also after a reload; a
// tampered presentation shows REFUSED (invalid proof); after a new challenge the first
// presentation shows REFUSED (challenge); offline, the reloaded checkpoint still verifies. Then
// the cameras, through Chromium's fake capture device playing a Y4M video of a QR code: the
// wallet scans a second checkpoint's challenge (that checkpoint has its own storage), proves,
// and the second checkpoint scans the presentation and shows ACCEPTED.
//
// Bad input, before the first presentation: an image of noise and one rqrr (the QR decoder)
// panics on show REFUSED (unreadable; the panic is logged and the module restarts), a QR code of
// a truncated presentation REFUSED (malformed_presentation), and the presentation is accepted
// after them. A second site ($ZKH_WEB_URL_WRONG_KEY) is configured with another depth's key and
// artifact under this one's pins: its checkpoint says it could not start and names the key file,
// its wallet says it did not prove and why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.ZKH_WEB_URL;
const wrongKey = process.env.ZKH_WEB_URL_WRONG_KEY;
const fixtures = process.env.ZKH_FIXTURES;
const shots = process.env.ZKH_SCREENSHOTS;
assert.ok(
  base && wrongKey && fixtures && shots,
  "ZKH_WEB_URL, ZKH_WEB_URL_WRONG_KEY, ZKH_FIXTURES and ZKH_SCREENSHOTS are set",
);
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

/** The frame the fake camera films: 640×480 (Chromium's capture size). */
const FRAME = { width: 640, height: 480 };

/**
 * A Y4M video (4:2:0, grey) of a QR code's PNG, centred on a white frame, through the page's
 * canvas; Chromium's `--use-file-for-fake-video-capture` plays it in a loop.
 */
async function y4mOfQr(page, png) {
  const luma = await page.evaluate(
    async ({ b64, width, height }) => {
      const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
      const bitmap = await createImageBitmap(blob);
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, width, height);
      const side = Math.min(width, height) - 40;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(bitmap, (width - side) / 2, (height - side) / 2, side, side);
      const rgba = ctx.getImageData(0, 0, width, height).data;
      const y = new Array(width * height);
      for (let i = 0; i < y.length; i++) {
        const [r, g, b] = [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]];
        y[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      }
      return y;
    },
    { b64: png.toString("base64"), ...FRAME },
  );
  const chroma = Buffer.alloc((FRAME.width / 2) * (FRAME.height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), Buffer.from(luma), chroma]);
  const header = `YUV4MPEG2 W${FRAME.width} H${FRAME.height} F10:1 Ip A1:1 C420jpeg\n`;
  return Buffer.concat([Buffer.from(header), frame, frame, frame]);
}

/** A grey image (one byte a pixel) as a PNG file, through the page's canvas. */
async function pngOf(page, { grey, width, height }) {
  const b64 = await page.evaluate(
    async ({ grey, width, height }) => {
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(width, height);
      grey.forEach((g, i) => image.data.set([g, g, g, 255], 4 * i));
      ctx.putImageData(image, 0, 0);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: "image/png" })).arrayBuffer());
      let s = "";
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    },
    { grey: Array.from(grey), width, height },
  );
  return Buffer.from(b64, "base64");
}

/** Grey noise from a fixed xorshift sequence. */
function noise(width, height) {
  let x = 7;
  const grey = new Uint8Array(width * height).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
  return { grey, width, height };
}

/**
 * Five finder-like squares on white, 81×51, on which rqrr 0.10.1 fails an assertion (as
 * verifier/src/qr.rs and wasm/tests/node.test.mjs draw it).
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
  return { grey, width, height };
}

test("checkpoint and wallet in Chromium", { timeout: 600_000 }, async () => {
  // The fake camera's video is written once a presentation exists; Chromium opens the file
  // when the page starts the camera.
  const video = join(shots, "camera.y4m");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ],
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
    const start = performance.now();
    await wallet.click("#prove");
    await wallet.waitForSelector("#presentation-qr svg", { timeout: 300_000 });
    // From the click to the QR code: the artifact fetched and loaded, the proof, its check.
    timings.prove_ms = performance.now() - start;
    assert.equal(await wallet.getAttribute("#progress", "value"), "1");
    const qr = await wallet.locator("#presentation-qr svg").screenshot();
    await wallet.screenshot({ path: join(shots, "wallet.png"), fullPage: true });
    const text = (await wallet.inputValue("#presentation")).trim();
    assert.match(text, /^ZKH1:/);

    /**
     * Uploads a QR image to the checkpoint; returns the verdict and reason shown and the time
     * from the upload to the verdict (the image decoded, the QR read, the presentation
     * verified, the nullifier committed), before any screenshot.
     */
    async function present(png, shot) {
      await checkpoint.evaluate(() => {
        document.getElementById("verdict").textContent = "";
      });
      const start = performance.now();
      await checkpoint.setInputFiles("#upload", {
        name: "presentation.png",
        mimeType: "image/png",
        buffer: png,
      });
      await checkpoint.waitForFunction(() => document.getElementById("verdict").textContent !== "");
      const ms = performance.now() - start;
      if (shot) await checkpoint.screenshot({ path: join(shots, shot), fullPage: true });
      return {
        verdict: await checkpoint.textContent("#verdict"),
        reason: await checkpoint.textContent("#reason"),
        disclosed: await checkpoint.textContent("#disclosed"),
        ms,
      };
    }

    // Bad input first: each is refused, and the presentation is accepted after them.
    const logged = [];
    checkpoint.on("console", (m) => {
      if (m.type() === "error") logged.push(m.text());
    });
    const unreadable = await present(await pngOf(checkpoint, noise(160, 120)), "checkpoint-unreadable.png");
    assert.equal(unreadable.verdict, "REFUSED");
    assert.match(unreadable.reason, /^unreadable: QR image: no QR code found in the image$/);
    const panicked = await present(await pngOf(checkpoint, crafted()));
    assert.equal(panicked.verdict, "REFUSED");
    assert.match(panicked.reason, /^unreadable: the QR reader failed on this image$/);
    assert.ok(
      logged.some((l) => /^zkhealth: panicked at .*rqrr.*assertion failed/s.test(l)),
      `the panic hook logged: ${logged.join("\n")}`,
    );
    // Base45 has a space in its alphabet and the wallet shows what it is given trimmed, so the
    // cut ends at a character that is not a space, or the value would never equal it.
    const cut = text.slice(0, text.length >> 1).trimEnd();
    await wallet.fill("#presentation", cut);
    await wallet.click("#show");
    await wallet.waitForFunction((t) => document.getElementById("presentation").value === t, cut);
    const truncatedQr = await wallet.locator("#presentation-qr svg").screenshot();
    const truncated = await present(truncatedQr, "checkpoint-refused-truncated.png");
    assert.equal(truncated.verdict, "REFUSED");
    assert.match(truncated.reason, /^malformed_presentation: /);

    // The first verification also builds the key's tables.
    const first = await present(qr, "checkpoint-accepted.png");
    timings.verify_ms = first.ms;
    assert.equal(first.verdict, "ACCEPTED", first.reason);
    assert.match(first.disclosed, /country: NL/);

    const again = await present(qr, "checkpoint-refused-reused.png");
    timings.verify_again_ms = again.ms;
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

    // The camera, at a second checkpoint with its own storage and challenge.
    const gate = await browser.newContext({
      viewport: { width: 900, height: 1300 },
      permissions: ["camera"],
    });
    const second = await gate.newPage();
    await second.goto(new URL("checkpoint/", base).href);
    await second.waitForSelector('#status[data-ready="true"]', { timeout: 60_000 });
    const secondRequest = await second.textContent("#challenge-text");
    assert.notEqual(secondRequest, request);
    // The wallet reads this checkpoint's challenge with the camera.
    const challengeQr = await second.locator("#challenge-qr svg").screenshot();
    writeFileSync(video, await y4mOfQr(second, challengeQr));
    await wallet.fill("#challenge", "");
    await wallet.click("#camera");
    await wallet.waitForFunction(() => document.getElementById("challenge").value !== "", null, {
      timeout: 60_000,
    });
    assert.equal(await wallet.inputValue("#challenge"), secondRequest);
    const reprove = performance.now();
    await wallet.click("#prove");
    await wallet.waitForFunction(
      (old) => {
        const value = document.getElementById("presentation").value.trim();
        return value.startsWith("ZKH1:") && value !== old;
      },
      `ZKH1:${b45encode(bytes)}`,
      { timeout: 300_000 },
    );
    // The worker has the module and the artifact loaded: this is the proof and its check.
    timings.prove_again_ms = performance.now() - reprove;
    if (process.env.ZKH_TIMINGS) writeFileSync(process.env.ZKH_TIMINGS, JSON.stringify(timings));
    const fresh = await wallet.locator("#presentation-qr svg").screenshot();
    writeFileSync(video, await y4mOfQr(second, fresh));
    await second.click("#camera");
    await second.waitForFunction(() => document.getElementById("verdict").textContent !== "", null, {
      timeout: 60_000,
    });
    await second.screenshot({ path: join(shots, "checkpoint-camera.png"), fullPage: true });
    assert.equal(await second.textContent("#verdict"), "ACCEPTED", await second.textContent("#reason"));
    assert.match(await second.textContent("#disclosed"), /country: NL/);
    await gate.close();

    // The site configured with another depth's key and artifact under this one's pins.
    const misconfigured = await browser.newContext({ viewport: { width: 900, height: 1300 } });
    const broken = await misconfigured.newPage();
    await broken.goto(new URL("checkpoint/", wrongKey).href);
    await broken.waitForSelector('#status[data-error="true"]', { timeout: 60_000 });
    await broken.screenshot({ path: join(shots, "checkpoint-wrong-key.png"), fullPage: true });
    assert.match(
      await broken.textContent("#status"),
      /^The checkpoint could not start: config\/other\.vk: key_id_mismatch: verifying key: its id is \S+ \(circuit \S+, depth \d+\), not the pinned \S+$/,
    );
    const brokenWallet = await misconfigured.newPage();
    await brokenWallet.goto(new URL("wallet/", wrongKey).href);
    await brokenWallet.waitForSelector('#status[data-ready="true"]', { timeout: 60_000 });
    for (const name of ["credential", "secret", "path", "policy"]) {
      await brokenWallet.setInputFiles(`#${name}`, join(fixtures, `${name}.json`));
    }
    await brokenWallet.fill("#challenge", request);
    await brokenWallet.click("#prove");
    await brokenWallet.waitForFunction(
      () => document.getElementById("stage").textContent.startsWith("Not proved"),
      null,
      { timeout: 120_000 },
    );
    await brokenWallet.screenshot({ path: join(shots, "wallet-wrong-artifact.png"), fullPage: true });
    assert.match(
      await brokenWallet.textContent("#stage"),
      /^Not proved: artifact_id_mismatch: proving artifact: /,
    );
    await misconfigured.close();
  } finally {
    await browser.close();
  }
});
