// The wallet: the holder's files are read here and never leave the device; the proof is made
// in a Web Worker (prove-worker.js) with the proving artifact config/wallet.json names, and the
// presentation is shown as a QR code for the checkpoint to scan.
import init, { qrSvg, readQr } from "../pkg/zkhealth.js";
import { readQrFile, scanCamera } from "../qr-input.js";

const $ = (id) => document.getElementById(id);
const files = ["credential", "secret", "path", "policy"];

async function fileText(id) {
  const file = $(id).files[0];
  if (!file) throw new Error(`choose the ${id} file`);
  return file.text();
}

/** The challenge request the checkpoint shows: `{challenge, verifier, event}`. */
function challengeRequest() {
  let request;
  try {
    request = JSON.parse($("challenge").value);
  } catch {
    throw new Error("the challenge is not the checkpoint's (JSON expected)");
  }
  for (const field of ["challenge", "verifier", "event"]) {
    if (typeof request[field] !== "string") throw new Error(`the challenge has no ${field}`);
  }
  return request;
}

function showPresentation(text) {
  $("presentation").value = text;
  $("presentation-qr").innerHTML = qrSvg(text, 480);
}

let worker;

async function prove() {
  $("prove").disabled = true;
  $("presentation-qr").replaceChildren();
  try {
    const request = challengeRequest();
    const [credential, secret, path, policy] = await Promise.all(files.map(fileText));
    const config = await (await fetch("../config/wallet.json")).json();
    const result = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === "progress") {
          $("progress").value = data.fraction;
          $("stage").textContent = data.stage;
        } else if (data.type === "done") {
          resolve(data.qr);
        } else {
          reject(new Error(data.code ? `${data.code}: ${data.message}` : data.message));
        }
      };
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage({
        artifactUrl: new URL(config.pk, new URL("../config/", location.href)).href,
        artifactId: config.artifactId,
        credential,
        secret,
        path,
        policy,
        challenge: request.challenge,
        verifier: request.verifier,
        event: request.event,
        now: Math.floor(Date.now() / 1000),
      });
    });
    showPresentation(result);
    $("stage").textContent = "done: show this code to the checkpoint";
  } catch (e) {
    $("stage").textContent = `Not proved: ${e.message ?? e}`;
  } finally {
    $("prove").disabled = false;
  }
}

async function main() {
  await init();
  worker = new Worker("prove-worker.js", { type: "module" });
  $("prove").onclick = prove;
  $("show").onclick = () => {
    try {
      showPresentation($("presentation").value.trim());
    } catch (e) {
      $("stage").textContent = `Not shown: ${e.message ?? e}`;
    }
  };
  $("challenge-image").onchange = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      $("challenge").value = await readQrFile(readQr, file);
    } catch (e) {
      $("stage").textContent = `No challenge read: ${e.message ?? e}`;
    }
  };
  $("camera").onclick = () =>
    scanCamera(readQr, $("video"), (text) => {
      $("challenge").value = text;
    }).catch((e) => {
      $("stage").textContent = `No camera: ${e.message ?? e}`;
    });
  $("prove").disabled = false;
  $("status").textContent = "Ready";
  $("status").dataset.ready = "true";
}

main().catch((e) => {
  $("status").textContent = `The wallet could not start: ${e.message ?? e}`;
  $("status").dataset.error = "true";
});
