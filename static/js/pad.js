// The drawing surface: pointer input, smoothed strokes, undo, an uploaded picture,
// and a backing store that follows the element's size and the devicePixelRatio.
//
// Strokes are kept in units of the pad's side (0..1), so a resize or a change of
// screen density only redraws them, sharper or bigger, and nothing is lost.
//
// Events (dispatched on the Pad, an EventTarget):
//   strokestart, strokemove, strokeend   while drawing
//   change                               after undo(), clear(), setImage()
//
// What is posted is not the backing store (up to ~1600 px on a high-DPI tablet, slow for
// the server to decode) but export(): the same strokes re-rendered as vectors at the
// pad's CSS size, capped at EXPORT_MAX_SIDE, and the strokes' points in its pixels.

const MIN_STEP = 0.0025;          // ignore moves shorter than this (pad units)
const INK = '#000000';
export const EXPORT_MAX_SIDE = 560;

/**
 * Points along a stroke as _drawStroke paints it: quadratic curves from midpoint to
 * midpoint of the samples, each sample their control point; each curve's start, middle
 * and end are kept.
 */
function paintedPath(points) {
  if (points.length < 3) return points;
  const path = [points[0]];
  for (let i = 1; i < points.length - 1; i++) {
    const start = path[path.length - 1];
    const control = points[i];
    const end = { x: (control.x + points[i + 1].x) / 2, y: (control.y + points[i + 1].y) / 2 };
    path.push({ x: 0.25 * start.x + 0.5 * control.x + 0.25 * end.x,
                y: 0.25 * start.y + 0.5 * control.y + 0.25 * end.y });
    path.push(end);
  }
  path.push(points[points.length - 1]);
  return path;
}

export class Pad extends EventTarget {
  constructor(canvas) {
    super();
    this.canvas = canvas;
    // set by the server in the page (webapp/web/pages.py): the brush width as a fraction of the
    // pad's side, and the most stroke points the server looks at
    this.brushFraction = Number(canvas.dataset.brushFraction);
    this.maxPostedPoints = Number(canvas.dataset.maxStrokePoints);
    this.ctx = canvas.getContext('2d');
    this.strokes = [];        // finished strokes: arrays of {x, y}
    this.current = null;      // the stroke being drawn
    this.pointerId = null;    // the one pointer that draws
    this.image = null;        // an uploaded picture (ImageBitmap / <img>), replaces strokes
    this.cssWidth = 0;
    this.cssHeight = 0;
    this.dpr = 1;
    this._rect = null;
    this._frame = 0;
    this._exportCanvas = null;
    this.lastPoint = null;    // where the pointer last drew (pad units); null after undo/clear/upload

    this._bindPointer();
    this._observeSize();
  }

  // ------------------------------------------------------------ state
  get drawing() { return this.current !== null; }
  get hasImage() { return this.image !== null; }
  get isEmpty() { return !this.image && this.strokes.length === 0 && !this.current; }
  get mode() { return this.image ? 'image' : (this.isEmpty ? 'empty' : 'drawing'); }

  undo() {
    if (this.current) return false;          // not in the middle of a stroke
    if (this.image) {
      this.image = null;
    } else if (this.strokes.length) {
      this.strokes.pop();
    } else {
      return false;
    }
    this.lastPoint = null;
    this.redraw();
    this._emit('change', { reason: 'undo' });
    return true;
  }

  clear() {
    const had = !this.isEmpty;
    this._abandonStroke();
    this.strokes = [];
    this.image = null;
    this.lastPoint = null;
    this.redraw();
    this._emit('change', { reason: 'clear', had });
    return had;
  }

  /** Show an uploaded picture fitted into the pad; it replaces the strokes. */
  setImage(image) {
    this._abandonStroke();
    this.strokes = [];
    this.image = image;
    this.lastPoint = null;
    this.redraw();
    this._emit('change', { reason: 'image' });
  }

  /**
   * What to post: the drawing re-rendered (vectors, same smoothing, brush scaled alike) on
   * a canvas of the pad's CSS size capped at `maxSide` px, black ink on transparent pixels.
   * Returns {dataURL, width, height, strokes}: boxes the server returns are in these
   * pixels, and so are the strokes' points ([[x, y], ...] per stroke).
   */
  export(maxSide = EXPORT_MAX_SIDE) {
    const cssW = this.cssWidth || this.canvas.width / this.dpr;
    const cssH = this.cssHeight || this.canvas.height / this.dpr;
    const scale = Math.min(1, maxSide / Math.max(1, cssW, cssH));
    const width = Math.max(1, Math.min(maxSide, Math.round(cssW * scale)));
    const height = Math.max(1, Math.min(maxSide, Math.round(cssH * scale)));
    const c = this._exportCanvas || (this._exportCanvas = document.createElement('canvas'));
    c.width = width;               // also clears it
    c.height = height;
    this._paint(c.getContext('2d'), width, height);
    return { dataURL: c.toDataURL('image/png'), width, height, strokes: this._postedStrokes(width, height) };
  }

  /**
   * The strokes as painted (points along the curves, in the order drawn) in pixels of a
   * width x height export: where digits touch, they tell the server which ink is whose.
   * No strokes for an upload, nor past maxPostedPoints, where the server would not use them.
   */
  _postedStrokes(width, height) {
    if (this.image) return [];
    const all = this.current ? [...this.strokes, this.current] : this.strokes;
    const paths = all.map((stroke) => paintedPath(stroke));
    if (paths.reduce((n, path) => n + path.length, 0) > this.maxPostedPoints) return [];
    const px = (v, side) => Math.round(v * side * 10) / 10;
    return paths.map((path) => path.map((p) => [px(p.x, width), px(p.y, height)]));
  }

  /** Where an uploaded picture is shown, in fractions of the pad: {x, y, w, h}, or null. */
  imageRect() {
    if (!this.image) return null;
    const r = this._imageRect(this.image, this.canvas.width, this.canvas.height);
    if (!r) return null;
    return { x: r.x / this.canvas.width, y: r.y / this.canvas.height,
             w: r.w / this.canvas.width, h: r.h / this.canvas.height };
  }

  // ------------------------------------------------------------ size
  _observeSize() {
    const apply = (width, height, devW, devH) => {
      const dpr = window.devicePixelRatio || 1;
      // The exact device-pixel size when the browser reports one that agrees with the
      // ratio (emulated ratios, e.g. in headless browsers, may not); else CSS size x ratio.
      const agrees = (dev, css) => dev && Math.abs(dev - css * dpr) <= 2;
      const w = Math.max(1, agrees(devW, width) ? devW : Math.round(width * dpr));
      const h = Math.max(1, agrees(devH, height) ? devH : Math.round(height * dpr));
      this.cssWidth = width;
      this.cssHeight = height;
      this.dpr = w / Math.max(1, width);
      if (this.canvas.width !== w || this.canvas.height !== h) {
        this.canvas.width = w;     // resets the context: redraw below
        this.canvas.height = h;
      }
      this.redraw();
    };

    if ('ResizeObserver' in window) {
      const observer = new ResizeObserver((entries) => {
        for (const entry of entries) {
          const box = entry.contentBoxSize && entry.contentBoxSize[0];
          const dev = entry.devicePixelContentBoxSize && entry.devicePixelContentBoxSize[0];
          const width = box ? box.inlineSize : entry.contentRect.width;
          const height = box ? box.blockSize : entry.contentRect.height;
          apply(width, height, dev && dev.inlineSize, dev && dev.blockSize);
        }
      });
      try {
        observer.observe(this.canvas, { box: 'device-pixel-content-box' });
      } catch {
        observer.observe(this.canvas);
      }
    }
    const measure = () => {
      const r = this.canvas.getBoundingClientRect();
      apply(r.width, r.height);
    };
    // Zooming or moving the window to another screen changes the ratio but not always the size.
    const watchRatio = () => {
      const query = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
      query.addEventListener('change', () => { measure(); watchRatio(); }, { once: true });
    };
    watchRatio();
    measure();
  }

  // ------------------------------------------------------------ drawing
  redraw() {
    this._paint(this.ctx, this.canvas.width, this.canvas.height);
  }

  /** Everything on the pad, drawn into `ctx` over a w x h surface. */
  _paint(ctx, w, h) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (this.image) this._drawImage(ctx, this.image, w, h);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = Math.min(w, h) * this.brushFraction;
    for (const stroke of this.strokes) this._drawStroke(ctx, stroke, w, h);
    if (this.current) this._drawStroke(ctx, this.current, w, h);
  }

  _drawStroke(ctx, points, w, h) {
    if (points.length === 0) return;
    if (points.length === 1) {
      ctx.beginPath();
      ctx.arc(points[0].x * w, points[0].y * h, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
      return;
    }
    // Quadratic curves through the midpoints: smooth, and it still passes near every sample.
    ctx.beginPath();
    ctx.moveTo(points[0].x * w, points[0].y * h);
    for (let i = 1; i < points.length - 1; i++) {
      const p = points[i];
      const q = points[i + 1];
      ctx.quadraticCurveTo(p.x * w, p.y * h, ((p.x + q.x) / 2) * w, ((p.y + q.y) / 2) * h);
    }
    const last = points[points.length - 1];
    ctx.lineTo(last.x * w, last.y * h);
    ctx.stroke();
  }

  _imageRect(image, w, h) {
    const iw = image.width || image.naturalWidth;
    const ih = image.height || image.naturalHeight;
    if (!iw || !ih) return null;
    const margin = Math.round(Math.min(w, h) * 0.04);
    const scale = Math.min((w - 2 * margin) / iw, (h - 2 * margin) / ih);
    const dw = iw * scale;
    const dh = ih * scale;
    return { x: (w - dw) / 2, y: (h - dh) / 2, w: dw, h: dh };
  }

  _drawImage(ctx, image, w, h) {
    const r = this._imageRect(image, w, h);
    if (!r) return;
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(image, r.x, r.y, r.w, r.h);
  }

  _scheduleRedraw() {
    if (this._frame) return;
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      this.redraw();
    });
  }

  // ------------------------------------------------------------ pointer input
  _bindPointer() {
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => this._down(e));
    c.addEventListener('pointermove', (e) => this._move(e));
    c.addEventListener('pointerup', (e) => this._up(e));
    c.addEventListener('pointercancel', (e) => this._up(e));
    c.addEventListener('lostpointercapture', (e) => this._up(e));
    // Belt and braces for browsers that ignore touch-action: no scrolling, zooming,
    // text selection or long-press menus from the pad.
    const stop = (e) => { if (e.cancelable) e.preventDefault(); };
    c.addEventListener('touchstart', stop, { passive: false });
    c.addEventListener('touchmove', stop, { passive: false });
    c.addEventListener('contextmenu', stop);
    c.addEventListener('selectstart', stop);
    c.addEventListener('dragstart', stop);
  }

  _point(e) {
    const r = this._rect || this.canvas.getBoundingClientRect();
    return {
      x: (e.clientX - r.left) / Math.max(1, r.width),
      y: (e.clientY - r.top) / Math.max(1, r.height),
    };
  }

  _down(e) {
    if (this.pointerId !== null) return;                          // one pen at a time
    if (e.pointerType === 'mouse' && e.button !== 0) return;        // left button only
    if (!e.isPrimary && e.pointerType === 'touch') return;          // a second finger
    e.preventDefault();
    this.pointerId = e.pointerId;
    try { this.canvas.setPointerCapture(e.pointerId); } catch { /* already gone */ }
    this._rect = this.canvas.getBoundingClientRect();
    const replacedImage = this.image !== null;
    if (replacedImage) this.image = null;      // drawing starts afresh over an upload
    this.current = [this._point(e)];
    this.lastPoint = this.current[0];
    this.redraw();
    this._emit('strokestart', { replacedImage });
  }

  _move(e) {
    if (e.pointerId !== this.pointerId || !this.current) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    let added = false;
    for (const ev of (events.length ? events : [e])) {
      const p = this._point(ev);
      const last = this.current[this.current.length - 1];
      if (Math.hypot(p.x - last.x, p.y - last.y) < MIN_STEP) continue;
      this.current.push(p);
      this.lastPoint = p;
      added = true;
    }
    if (added) {
      this._scheduleRedraw();
      this._emit('strokemove');
    }
  }

  _up(e) {
    if (e.pointerId !== this.pointerId) return;
    this.pointerId = null;
    this._rect = null;
    const stroke = this.current;
    this.current = null;
    if (!stroke) return;
    if (e.type === 'pointerup' || e.type === 'pointercancel') {
      try { this.canvas.releasePointerCapture(e.pointerId); } catch { /* released */ }
    }
    this.strokes.push(stroke);     // a cancelled touch keeps what was drawn
    this.redraw();
    this._emit('strokeend');
  }

  _abandonStroke() {
    if (this.pointerId !== null) {
      try { this.canvas.releasePointerCapture(this.pointerId); } catch { /* released */ }
    }
    this.pointerId = null;
    this.current = null;
    this._rect = null;
  }

  _emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
