// "How it reads": what each stage of the network makes of the drawing (POST /api/explain).
//
// LookView shows one answer: the 28x28 input, the evidence over it (blue: towards the
// answer, orange: towards the runner-up), each stage's most active feature maps as tiles
// (the last layer of each stage: what it hands on), the dense layer as a strip and the
// ten outputs as bars. Explaining posts to /api/explain at most once every INTERVAL ms
// (and at once when asked: a stroke's end), always the newest drawing; an answer to an
// older request is never shown (api.js's Predictor).
//
// Test hooks: #look[data-state] empty | pending | shown | error, #look[data-digit],
// #look[data-seq] (answers shown so far), [data-output="D"][data-probability].

import { Predictor } from './api.js';

export const INTERVAL = 300;

export class LookView {
  constructor(root) {
    this.root = root;
    const $ = (selector) => root.querySelector(selector);
    this.answer = $('#look-answer');
    this.which = $('#look-which');
    this.digits = $('#look-digits');
    this.input = $('#look-input');
    this.under = $('#look-under');
    this.evidence = $('#look-evidence');
    this.why = $('#look-why');
    this.dense = $('#look-dense');
    this.paths = $('#look-paths');
    this.stages = Array.from(root.querySelectorAll('.look-stage'), (li) => ({
      stage: Number(li.dataset.stage), tiles: li.querySelector('.look-tiles'),
    }));
    this.bars = Array.from(root.querySelectorAll('[data-output]'));
    this.seq = 0;
    this.onselect = null;     // called with the index when a digit of a number is chosen
    this.digits.addEventListener('click', (e) => {
      const button = e.target instanceof Element && e.target.closest('button[data-index]');
      if (button && this.onselect) this.onselect(Number(button.dataset.index));
    });
  }

  get open() { return !this.root.hidden; }

  setOpen(open) { this.root.hidden = !open; }

  empty() {
    this.root.dataset.state = 'empty';
    this.root.dataset.digit = '';
    this.answer.textContent = '';
    this.which.textContent = '';
    this.root.dataset.number = 'false';
    this.digits.hidden = true;
    this.digits.replaceChildren();
  }

  pending() {
    if (this.root.dataset.state !== 'empty') this.root.dataset.state = 'pending';
  }

  error() {
    if (this.root.dataset.state === 'pending') this.root.dataset.state = this.seq ? 'shown' : 'empty';
  }

  /** An answer of /api/explain. `number`: the readings' texts of a number ("1", "?", ...)
   *  to offer as buttons, with `data.index` the one explained. */
  show(data, number = null) {
    const digit = Number(data.digit);
    const against = data.evidence ? Number(data.evidence.against) : -1;
    this.seq += 1;
    this.root.dataset.seq = String(this.seq);
    this.root.dataset.digit = String(digit);
    this.root.dataset.state = 'shown';
    this.answer.textContent = data.is_digit === false ? '?' : String(digit);
    this._number(number, data.index);
    for (const img of [this.input, this.under]) img.src = data.input;
    this.input.alt = 'The drawing as the network sees it: 28 by 28 dots';
    if (data.evidence) {
      this.evidence.src = data.evidence.image;
      this.evidence.alt = `Blue where the ink made it say ${digit}, orange where it looked like ${against}`;
      this._why(digit, against);
    }
    for (const { stage, tiles } of this.stages) {
      const layers = (data.layers || []).filter((l) => l.stage === stage);
      this._tiles(tiles, layers.length ? layers[layers.length - 1] : null);
    }
    this._strip(data.dense ? data.dense.values : []);
    this._bars(data.probabilities || [], digit, against);
    this.paths.hidden = data.strokes_read !== true;
  }

  /** A number: the heading says which digit ("How it reads digit 2 of 3"), and the number
   *  is shown whole, as one control with the chosen digit lit, not as a row of badges that
   *  would read as another number. */
  _number(number, index) {
    const several = Array.isArray(number) && number.length > 1;
    this.digits.hidden = !several;
    this.root.dataset.number = String(several);
    if (!several) {
      this.which.textContent = '';
      this.digits.replaceChildren();
      return;
    }
    this.which.textContent = Number.isInteger(index) ? `digit ${index + 1} of ${number.length}` : '';
    this.digits.setAttribute('aria-label', `The number ${number.join('')}: choose a digit to look inside`);
    this.digits.replaceChildren(...number.map((text, i) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'look-digit';
      button.dataset.index = String(i);
      button.textContent = text;
      button.setAttribute('aria-pressed', String(i === index));
      button.setAttribute('aria-label', `Digit ${i + 1}: ${text === '?' ? 'not recognised' : text}`);
      return button;
    }));
  }

  _why(digit, against) {
    const towards = document.createElement('b');
    towards.className = 'look-towards';
    towards.textContent = 'Blue';
    const other = document.createElement('b');
    other.className = 'look-against';
    other.textContent = 'orange';
    this.why.replaceChildren(towards, ` ink made it say ${digit}; `, other, ` ink looked more like ${against}`);
  }

  _tiles(container, layer) {
    const maps = layer ? layer.maps : [];
    while (container.children.length > maps.length) container.lastChild.remove();
    while (container.children.length < maps.length) {
      const img = document.createElement('img');
      img.className = 'look-tile';
      img.width = layer.size[1];
      img.height = layer.size[0];
      img.alt = '';
      container.append(img);
    }
    maps.forEach((m, i) => {
      const img = container.children[i];
      img.src = m.image;
      img.title = `Detector ${m.index + 1} of ${layer.channels}`;
    });
  }

  _strip(values) {
    const ctx = this.dense.getContext('2d');
    const pixels = ctx.createImageData(this.dense.width, 1);
    for (let i = 0; i < this.dense.width; i++) {
      const v = Number(values[i]) || 0;     // 0-255: the strongest clue is white
      pixels.data.set([Math.round(v * 0.85), Math.round(v * 0.95), v, 255], i * 4);
    }
    ctx.putImageData(pixels, 0, 0);
  }

  _bars(probabilities, digit, against) {
    this.bars.forEach((bar, d) => {
      const p = Math.min(1, Math.max(0, Number(probabilities[d]) || 0));
      bar.dataset.probability = p.toFixed(4);
      bar.style.setProperty('--p', String(p));
      bar.classList.toggle('win', d === digit);
      bar.classList.toggle('runner', d === against && d !== digit);
      bar.setAttribute('aria-label', `${d}: ${Math.round(p * 100)} percent`);
    });
  }
}

/** Posts what to explain to /api/explain, at most once every INTERVAL ms, newest first. */
export class Explaining {
  constructor(view, predictor = new Predictor({ url: '/api/explain' })) {
    this.view = view;
    this.predictor = predictor;
    this.job = null;          // the newest drawing not yet posted
    this.timer = 0;
    this.lastSent = -Infinity;
    this.waiting = false;     // due, but a request is still in flight
    predictor.addEventListener('answer', (e) => view.show(e.detail.data, this.number));
    predictor.addEventListener('error', () => view.error());
    predictor.addEventListener('settled', () => {
      if (this.waiting) this._send();
    });
    this.number = null;
  }

  /**
   * Explain `job`: {dataURL, strokes} or {file}, with `index` (a digit of a number, or
   * null) and `number` (the number's readings' texts, for the view's buttons). `now`: post
   * at once (a stroke ended); else within INTERVAL ms of the last post.
   */
  request(job, { now = false } = {}) {
    this.job = job;
    if (now) {
      this._send();
      return;
    }
    if (this.timer || this.waiting) return;
    this.timer = setTimeout(() => {
      this.timer = 0;
      if (this.predictor.busy) this.waiting = true;
      else this._send();
    }, Math.max(0, this.lastSent + INTERVAL - performance.now()));
  }

  cancel() {
    clearTimeout(this.timer);
    this.timer = 0;
    this.waiting = false;
    this.job = null;
    this.predictor.invalidate();
  }

  _send() {
    clearTimeout(this.timer);
    this.timer = 0;
    this.waiting = false;
    const job = this.job;
    this.job = null;
    if (!job) return;
    this.lastSent = performance.now();
    this.number = job.number || null;
    this.view.pending();
    const fields = Number.isInteger(job.index) ? { index: job.index } : null;
    if (job.file) this.predictor.predictFile(job.file, fields);
    else this.predictor.predictDataURL(job.dataURL, job.strokes, fields);
  }
}
