// The camera as an image source, in the Convolution tab's image card. "Use the camera"
// asks for it, so the browser asks permission only on that click, never on load. Each
// frame becomes the page's current image by the path a file's pixels take (the image
// store, pycore's set_image, the working size) and the Convolution tab redraws its maps.
// The next frame is taken only once the worker has answered everything the last one
// caused (its maps are drawn), so nothing queues up however slow the filters are; the rate
// of frames drawn is shown beside the button. Frames go to the Python worker of this page
// and nowhere else: nothing is sent or saved.
//
// It stops, keeping the last frame as the image, on "Stop camera", when a file (or the
// sample) is chosen, when the Convolution tab is left or the page hidden, and when the
// camera goes away. While a dead worker is replaced it waits, then goes on. Where there is
// no camera, no permission or no camera API (an insecure address), it says so beside the
// button and the rest of the page works as before.
import { videoPixels } from "../ui/image-input.js";

/** The frame rate is that of the frames drawn in the last FPS_WINDOW_MS. */
export const FPS_WINDOW_MS = 2000;
const START_LABEL = "Use the camera";
const STOP_LABEL = "Stop camera";
const KEPT = "Its last frame stays as the image.";

/** Why the camera stopped, in the words the status line shows. */
export const STOPPED = {
  button: `Camera off. ${KEPT}`,
  tab: `Camera off: it stops when you leave this tab. ${KEPT}`,
  hidden: `Camera off: it stops while the page is hidden. ${KEPT}`,
  chosen: "Camera off: you chose another image.",
  ended: `The camera stopped (it was turned off or disconnected). ${KEPT}`,
};
export const RUNNING = "Live: every camera frame goes through the filters and the pooling.";
export const WAITING = "Paused while Python starts; the camera goes on once it is ready.";
export const NO_CAMERA_API = "This browser gives the page no camera: browsers allow one only on a secure address "
  + "(https:// or this computer's own), and some have none. Choose an image instead.";

/**
 * What to tell the learner when the camera could not start, by getUserMedia's error name.
 * @param {{name?: string, message?: string}} error
 */
export function cameraProblem(error) {
  switch (error?.name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return "The camera was not allowed. To use it, allow the camera for this page in the browser's site settings, "
        + "then press \u201cUse the camera\u201d again.";
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "No camera was found. Connect one and press \u201cUse the camera\u201d again, or choose an image instead.";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "The camera could not be started: another program may be using it. Close that one, then try again.";
    default:
      return `The camera could not be started: ${error?.message || String(error)}.`;
  }
}

/**
 * Frames per second over the last windowMs before `now`: (n - 1) / (last - first) of the
 * times (ms) in that window; null with fewer than two.
 * @param {number[]} times  when each frame was drawn, ascending
 */
export function frameRate(times, now, windowMs = FPS_WINDOW_MS) {
  const recent = times.filter((t) => now - t <= windowMs);
  if (recent.length < 2) return null;
  const span = recent[recent.length - 1] - recent[0];
  return span > 0 ? ((recent.length - 1) * 1000) / span : null;
}

const nextPaint = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves when `video` has a new frame (the next paint where that cannot be told). */
const nextVideoFrame = (video) => (video.requestVideoFrameCallback
  ? new Promise((resolve) => video.requestVideoFrameCallback(() => resolve()))
  : nextPaint());

/**
 * Resolves once the worker has answered every call (client.busyCount, the calls in flight,
 * is 0) and the page has painted: the views asked for what the last frame needs at the end
 * of the tick that brought it, so by then its maps are drawn.
 */
async function workerCaughtUp(client, s) {
  do await Promise.race([nextPaint(), s.ended]);
  while (client.busyCount > 0 && !s.stopped);
}

/**
 * Wire the camera's button in `root` (data-testid camera, camera-status, camera-fps).
 * @param {{root: HTMLElement, image: object, client: import("../core/client.js").CoreClient,
 *   isReady: () => boolean}} o  image: the shell's image store; isReady: Python is up and holds the image
 * @returns {{stop: (why?: keyof STOPPED) => void, running: () => boolean}}
 *   stop(why): end the camera (if it runs); the status line says why, in STOPPED[why]'s words
 */
export function wireCamera({ root, image, client, isReady }) {
  const find = (id) => root.querySelector(`[data-testid="${id}"]`);
  const button = find("camera");
  const status = find("camera-status");
  const fps = find("camera-fps");
  // The maps change with every frame: a screen reader is not to read each one out.
  const maps = find("maps");
  let session = null; // the running camera: {stream, video, canvas, times, ended, end, stopped}
  let asking = null; // the token of a getUserMedia call not yet answered

  function show(state, text) {
    button.dataset.state = state; // idle | starting | running | waiting | error
    button.textContent = state === "running" || state === "waiting" ? STOP_LABEL : START_LABEL;
    button.setAttribute("aria-pressed", String(state === "running" || state === "waiting"));
    status.textContent = text || "";
    status.classList.toggle("camera-problem", state === "error");
    if (state === "running") maps?.setAttribute("aria-busy", "true");
    else maps?.removeAttribute("aria-busy");
    if (state !== "running") showRate(null);
  }

  function showRate(rate) {
    fps.hidden = rate === null;
    if (rate === null) {
      delete fps.dataset.fps;
      fps.textContent = "";
      return;
    }
    fps.dataset.fps = rate.toFixed(1);
    fps.textContent = `${rate.toFixed(1)} frames drawn per second`;
  }

  async function start() {
    if (!navigator.mediaDevices?.getUserMedia) {
      show("error", NO_CAMERA_API);
      return;
    }
    const token = {};
    asking = token; // until the video plays: a stop meanwhile drops the camera
    show("starting", "Asking for the camera\u2026");
    button.disabled = true;
    const dropped = () => asking !== token; // stopped (the tab left, the page hidden) while the browser asked
    let stream = null;
    let video = null;
    let kept; // not dropped by the time the video plays (or fails to)
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      if (!dropped()) {
        video = document.createElement("video"); // never shown: the input image is the frame
        video.muted = true;
        video.playsInline = true;
        video.srcObject = stream;
        await video.play();
      }
    } catch (e) {
      for (const track of stream?.getTracks() || []) track.stop();
      if (!dropped()) show("error", cameraProblem(e));
      stream = null;
    } finally {
      kept = !dropped();
      if (kept) {
        asking = null;
        button.disabled = false;
      }
    }
    if (!stream) return;
    if (!kept) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    let end;
    const ended = new Promise((resolve) => (end = resolve));
    const s = { stream, video, canvas: document.createElement("canvas"), times: [], ended, end, stopped: false };
    for (const track of stream.getVideoTracks()) track.addEventListener("ended", () => session === s && stop("ended"));
    session = s;
    show(isReady() ? "running" : "waiting", isReady() ? RUNNING : WAITING);
    run(s);
  }

  function stop(why = "button") {
    if (asking) { // the browser is still asking: drop its answer
      asking = null;
      button.disabled = false;
      show("idle", STOPPED[why]);
      return;
    }
    if (!session) return;
    const s = session;
    session = null;
    for (const track of s.stream.getTracks()) track.stop();
    s.video.srcObject = null;
    s.stopped = true;
    s.end(); // the loop's waits end at once
    image.endLive();
    show("idle", STOPPED[why]);
  }

  /** The frame loop: one frame in the worker and drawn at a time. */
  async function run(s) {
    while (session === s) {
      if (!isReady()) { // loading, or a dead worker being replaced: go on once it is back
        if (button.dataset.state !== "waiting") show("waiting", WAITING);
        await Promise.race([sleep(200), s.ended]);
        continue;
      }
      await Promise.race([nextVideoFrame(s.video), s.ended]);
      if (session !== s) return;
      const px = videoPixels(s.video, s.canvas);
      if (!px) continue;
      let outcome;
      try {
        outcome = await image.setFrame({ ...px, name: "camera frame" });
      } catch (e) {
        if (session === s) {
          stop();
          show("error", `The camera stopped: ${e.message}`);
        }
        return;
      }
      if (session !== s) return;
      if (outcome !== "sent") continue; // the worker is being replaced: wait above
      if (button.dataset.state !== "running") show("running", RUNNING);
      await workerCaughtUp(client, s);
      if (session !== s) return;
      const now = performance.now();
      s.times.push(now);
      s.times = s.times.filter((t) => now - t <= FPS_WINDOW_MS);
      showRate(frameRate(s.times, now));
    }
  }

  button.addEventListener("click", () => (session ? stop() : start()));
  image.onChosen(() => stop("chosen"));
  document.addEventListener("visibilitychange", () => document.hidden && stop("hidden"));
  show("idle", "");
  return { stop, running: () => session !== null };
}
