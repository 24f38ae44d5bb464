// Reading a QR code from an image file or the camera, in the page (no library fetched from
// anywhere: the module's `readQr` decodes the pixels).

/** The pixels of an image file (PNG, JPEG, …) as RGBA, through a canvas. */
export async function pixelsOfFile(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

/** Reads the QR code of an image file with `readQr`; throws when there is none. */
export async function readQrFile(readQr, file) {
  const image = await pixelsOfFile(file);
  return readQr(new Uint8Array(image.data.buffer), image.width, image.height);
}

/**
 * Scans the camera's frames (getUserMedia) until a QR code reads, then stops the camera and
 * calls `onText` with its text. Returns a function that stops scanning.
 */
export async function scanCamera(readQr, video, onText) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment" },
    audio: false,
  });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let running = true;
  const stop = () => {
    running = false;
    stream.getTracks().forEach((t) => t.stop());
    video.hidden = true;
  };
  const tick = () => {
    if (!running) return;
    if (video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
      try {
        const text = readQr(new Uint8Array(frame.data.buffer), frame.width, frame.height);
        stop();
        onText(text);
        return;
      } catch {
        // No code in this frame yet.
      }
    }
    setTimeout(tick, 150);
  };
  tick();
  return stop;
}
