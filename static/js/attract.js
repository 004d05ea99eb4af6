// The kiosk's attract loop: while nobody is there, real handwritten digits (shipped
// samples, static/kiosk/samples.json) are written on an overlay canvas as a pen would,
// then read by the server as a visitor's drawing would be (and, with `explain`, explained:
// "How it reads" as the attract screen). Any touch ends it.

import { EXPORT_MAX_SIDE } from './pad.js';

const POINTS_PER_SECOND = 90;   // a calm writing speed
const HOLD_MS = 2600;           // the written digit and its reading stay this long

export class Attract extends EventTarget {
  constructor(canvas, { brushFraction, samplesUrl, explain = false }) {
    super();
    this.explain = explain;
    this.canvas = canvas;
    this.brushFraction = brushFraction;
    this.samplesUrl = samplesUrl;
    this.samples = null;
    this.running = false;
    this.index = 0;
    this.frame = 0;
    this.timer = 0;
  }

  async start() {
    if (this.running) return;
    this.running = true;
    if (!this.samples) {
      try {
        const response = await fetch(this.samplesUrl);
        this.samples = (await response.json()).filter((s) => Array.isArray(s.strokes) && s.strokes.length);
      } catch {
        this.samples = [];
      }
    }
    if (!this.running || !this.samples.length) return;
    this._next();
  }

  stop() {
    this.running = false;
    cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this._context().clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  _context() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    return this.canvas.getContext('2d');
  }

  _next() {
    if (!this.running) return;
    const sample = this.samples[this.index % this.samples.length];
    this.index += 1;
    this._emit('writing', { digit: sample.digit });
    const total = sample.strokes.reduce((n, s) => n + s.length, 0);
    const started = performance.now();
    const step = (now) => {
      if (!this.running) return;
      const shown = Math.min(total, Math.floor(((now - started) / 1000) * POINTS_PER_SECOND) + 1);
      const ctx = this._context();
      this._draw(ctx, sample.strokes, shown, this.canvas.width, this.canvas.height, '#0b1220');
      if (shown < total) {
        this.frame = requestAnimationFrame(step);
        return;
      }
      this._read(sample);
    };
    this.frame = requestAnimationFrame(step);
  }

  /** The first `count` points of the strokes, in the pad's ink and brush. */
  _draw(ctx, strokes, count, w, h, ink) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = ink;
    ctx.lineWidth = Math.min(w, h) * this.brushFraction;
    let left = count;
    for (const stroke of strokes) {
      if (left <= 0) break;
      const points = stroke.slice(0, left);
      left -= stroke.length;
      // through the midpoints, as the pad draws: the samples' points sit on a coarse grid
      ctx.beginPath();
      ctx.moveTo(points[0][0] * w, points[0][1] * h);
      for (let i = 1; i < points.length - 1; i++) {
        const [x, y] = points[i];
        const [nx, ny] = points[i + 1];
        ctx.quadraticCurveTo(x * w, y * h, ((x + nx) / 2) * w, ((y + ny) / 2) * h);
      }
      const [lx, ly] = points[points.length - 1];
      ctx.lineTo(lx * w + (points.length === 1 ? 0.1 : 0), ly * h);
      ctx.stroke();
    }
  }

  /** Ask the server to read the written sample, as for a visitor's drawing. */
  async _read(sample) {
    const side = EXPORT_MAX_SIDE / 2;
    const c = document.createElement('canvas');
    c.width = side;
    c.height = side;
    this._draw(c.getContext('2d'), sample.strokes, Infinity, side, side, '#000000');
    const strokes = sample.strokes.map((s) => s.map(([x, y]) => [Math.round(x * side * 10) / 10, Math.round(y * side * 10) / 10]));
    const body = JSON.stringify({ image: c.toDataURL('image/png'), strokes });
    const post = async (path) => {
      const response = await fetch(path, {
        method: 'POST', cache: 'no-store', headers: { 'Content-Type': 'application/json' }, body,
      });
      const data = await response.json();
      return response.ok ? data : null;
    };
    let number = String(sample.digit);
    let explained = null;
    try {
      const data = await post('/api/predict');
      if (data && typeof data.number === 'string') number = data.number;
      if (this.explain && this.running) explained = await post('/api/explain');
    } catch { /* the server is away: show the sample's own digit */ }
    if (!this.running) return;
    this._emit('read', { number });
    if (explained) this._emit('explained', { data: explained });
    this.timer = setTimeout(() => this._next(), HOLD_MS);
  }

  _emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
