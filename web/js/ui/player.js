// A step player: play/pause, step, first/last, a scrubber and a speed control.
import { el } from "./dom.js";

/**
 * Steps 0..count-1 with play/pause, step, first/last, a scrubber and a speed control.
 * Keyboard on `keyTarget`: ←/→ (and ↑/↓) step, Space plays/pauses, Home/End jump.
 * `render(i, {playing})` draws step i; `announce(i)` returns the text for screen readers.
 */
export class Player {
  constructor(name, { render, announce, speed = 4 }) {
    this.name = name;
    this.render = render;
    this.announce = announce;
    this.count = 0;
    this.index = 0;
    this.playing = false;
    this.raf = 0;
    const b = (label, testid, text, fn) => el("button", { type: "button", class: "secondary", "aria-label": label, title: label, dataset: { testid }, onclick: fn }, text);
    this.firstBtn = b("First position", `${name}-first`, "|◀", () => this.go(0));
    this.backBtn = b("Step back", `${name}-back`, "◀", () => this.go(this.index - 1));
    this.playBtn = b("Play", `${name}-play`, "▶ Play", () => this.toggle());
    this.fwdBtn = b("Step forward", `${name}-fwd`, "▶", () => this.go(this.index + 1));
    this.lastBtn = b("Last position", `${name}-last`, "▶|", () => this.go(this.count - 1));
    this.scrub = el("input", { type: "range", min: 0, max: 0, value: 0, step: 1, dataset: { testid: `${name}-scrub` }, "aria-label": "Position" });
    this.scrub.addEventListener("input", () => this.go(Number(this.scrub.value)));
    this.speed = el("input", { type: "range", min: 1, max: 60, value: speed, step: 1, dataset: { testid: `${name}-speed` }, "aria-label": "Speed in steps per second" });
    this.speedOut = el("output", {}, `${speed}/s`);
    this.speed.addEventListener("input", () => (this.speedOut.textContent = `${this.speed.value}/s`));
    this.status = el("p", { class: "step-status", dataset: { testid: `${name}-step` } });
    this.live = el("p", { class: "sr-only", "aria-live": "polite", dataset: { testid: `${name}-live` } });
    this.element = el("div", { class: "player" },
      el("div", { class: "player-buttons", role: "group", "aria-label": "Playback" }, this.firstBtn, this.backBtn, this.playBtn, this.fwdBtn, this.lastBtn),
      el("label", { class: "scrub" }, "Position ", this.scrub),
      el("label", { class: "speed" }, "Speed ", this.speed, this.speedOut),
      this.status, this.live);
  }

  /** Handle the explorer's keys on `target` (not while typing in a field). */
  bindKeys(target) {
    target.addEventListener("keydown", (ev) => {
      if (target.classList.contains("x-stale")) return; // out of date: nothing to step through
      const t = ev.target;
      if (t.matches?.("input[type=text], input[type=number], select, textarea")) return;
      if (t.matches?.("input[type=range]") && t !== this.scrub && ev.key !== " ") return;
      if (t === this.scrub && ev.key !== " ") return; // the range steps by itself
      if (t.tagName === "BUTTON" && (ev.key === " " || ev.key === "Enter")) return; // buttons click
      const k = ev.key;
      if (k === "ArrowRight" || k === "ArrowDown") this.go(this.index + 1);
      else if (k === "ArrowLeft" || k === "ArrowUp") this.go(this.index - 1);
      else if (k === " " || k === "Spacebar") this.toggle();
      else if (k === "Home") this.go(0);
      else if (k === "End") this.go(this.count - 1);
      else return;
      ev.preventDefault();
    });
  }

  setCount(n, keep = true) {
    this.count = n;
    this.scrub.max = String(Math.max(0, n - 1));
    const i = keep ? Math.min(this.index, n - 1) : 0;
    this.go(Math.max(0, i), { quiet: true });
  }

  go(i, { quiet = false } = {}) {
    if (this.count === 0) return;
    i = Math.max(0, Math.min(this.count - 1, i));
    this.index = i;
    this.scrub.value = String(i);
    this.render(i, { playing: this.playing });
    this.status.textContent = this.announce(i);
    if (!this.playing && !quiet) this.live.textContent = this.status.textContent;
    this.backBtn.disabled = i === 0;
    this.firstBtn.disabled = i === 0;
    this.fwdBtn.disabled = i === this.count - 1;
    this.lastBtn.disabled = i === this.count - 1;
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (this.count === 0) return;
    if (this.index >= this.count - 1) this.go(0, { quiet: true });
    this.playing = true;
    this.playBtn.textContent = "⏸ Pause";
    this.playBtn.setAttribute("aria-label", "Pause");
    this.live.textContent = "Playing";
    let last = performance.now();
    let acc = 0;
    const tick = (now) => {
      if (!this.playing) return;
      acc += ((now - last) / 1000) * Number(this.speed.value);
      last = now;
      if (acc >= 1) {
        const steps = Math.floor(acc);
        acc -= steps;
        this.go(this.index + steps);
        if (this.index >= this.count - 1) {
          this.pause();
          return;
        }
      }
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    cancelAnimationFrame(this.raf);
    this.playBtn.textContent = "▶ Play";
    this.playBtn.setAttribute("aria-label", "Play");
    this.live.textContent = this.status.textContent ? `Paused. ${this.status.textContent}` : "Paused";
  }
}
