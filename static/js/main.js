// Wires the pad, the predictor and the results together.
//
// When to ask the server:
//   * when a stroke ends (always, at once);
//   * while drawing, at most every LIVE_INTERVAL ms, and only when no request is in flight,
//     so a slow server is never flooded and every live answer is for the newest drawing;
//   * after undo (or the empty state if nothing is left), and for an uploaded picture.
// Only the answer to the newest request is ever shown (see api.js).
//
// "How it reads" (look.js), when open, takes the answer panel's place: each answer read
// is explained too (/api/explain, at most every 300 ms while drawing, at once after).
//
// What is posted: a drawing as pad.export() (at most 560 px a side, whatever the screen's
// density) with its strokes' points, an uploaded picture as the file. The boxes of a number's digits come back in
// the posted image's pixels; boxSpace remembers how to map them onto the pad.

import { Pad } from './pad.js';
import { Predictor } from './api.js';
import { Results } from './results.js';
import { Boxes, pickBox } from './boxes.js';
import { FeedbackPanel, FeedbackQueue } from './feedback.js';
import { Explaining, LookView } from './look.js';

const LIVE_INTERVAL = 150;

const canvas = document.getElementById('pad');
const frame = document.getElementById('pad-frame');
const undoButton = document.getElementById('undo');
const clearButton = document.getElementById('clear');
const uploadInput = document.getElementById('upload');
const prediction = document.getElementById('prediction');

const pad = new Pad(canvas);
const predictor = new Predictor();
const results = new Results();
const boxes = new Boxes(document.getElementById('boxes'));
const feedback = new FeedbackPanel(document.getElementById('feedback'), new FeedbackQueue());
const lookToggle = document.getElementById('look-toggle');
const look = new LookView(document.getElementById('look'));
const explaining = new Explaining(look);

// What the page remembers between events: the one piece of mutable state.
const state = {
  liveTimer: 0,             // the pending live update's timer, 0 when none
  lastSent: 0,              // when the last drawing was posted (performance.now())
  strokeStarted: 0,         // when the current stroke began
  dirty: false,             // drawn since the last request
  waitingForIdle: false,    // a live update is due once the request in flight settles
  lastSource: 'drawing',    // what the newest request carried: 'drawing' | 'upload'
  networkDown: false,
  uploadToken: 0,           // the newest upload; an older one that finishes late is dropped
  // How the newest request's pixels map onto the pad: {x, y, w, h} (pad fractions) of the
  // posted image, and that image's size in the server's pixels; null when unknown.
  boxSpace: null,
  dragDepth: 0,             // dragenter minus dragleave over the pad
  posted: null,             // the newest drawing posted, {image, strokes}: what feedback would keep
  pointer: null,            // the kind of pointer that drew last: mouse | touch | pen
  answer: null,             // the answer shown, while one is
  uploadFile: null,         // the picture uploaded last
};

/** No live update pending or due. */
function cancelLive() {
  clearTimeout(state.liveTimer);
  state.liveTimer = 0;
  state.waitingForIdle = false;
}

// ------------------------------------------------------------------ predicting
function sendDrawing() {
  cancelLive();
  if (pad.isEmpty) {
    showEmpty();
    return;
  }
  state.dirty = false;
  state.lastSent = performance.now();
  state.lastSource = 'drawing';
  results.pending();
  const exported = pad.export();
  state.posted = { image: exported.dataURL, strokes: exported.strokes };
  state.boxSpace = { x: 0, y: 0, w: 1, h: 1, width: exported.width, height: exported.height };
  predictor.predictDataURL(exported.dataURL, exported.strokes);
}

function scheduleLive() {
  if (state.liveTimer) return;
  const due = Math.max(state.lastSent, state.strokeStarted) + LIVE_INTERVAL;
  state.liveTimer = setTimeout(() => {
    state.liveTimer = 0;
    if (!pad.drawing || !state.dirty) return;
    if (predictor.busy) {
      state.waitingForIdle = true;
      return;
    }
    sendDrawing();
  }, Math.max(0, due - performance.now()));
}

function showEmpty() {
  state.answer = null;
  explaining.cancel();
  look.empty();
  feedback.withdraw();
  cancelLive();
  state.dirty = false;
  predictor.invalidate();
  results.empty();
  boxes.clear();
  syncAttributes();
}

function syncAttributes() {
  prediction.dataset.seq = String(predictor.shownSeq);
  prediction.dataset.dropped = String(predictor.dropped);
}

/** The digits' boxes in pad fractions, or null if they can't be placed. */
function padBoxes(digits, imageSize) {
  if (!state.boxSpace) return null;
  const { x, y, w, h } = state.boxSpace;
  const [width, height] = Array.isArray(imageSize) && imageSize.length === 2
    ? imageSize.map(Number) : [state.boxSpace.width, state.boxSpace.height];
  const placed = digits.map((d) => {
    const b = Array.isArray(d.box) && d.box.length === 4 ? d.box.map(Number) : null;
    if (!b || b.some((v) => !Number.isFinite(v))) return null;
    return { x: x + (b[0] / width) * w, y: y + (b[1] / height) * h, w: (b[2] / width) * w, h: (b[3] / height) * h };
  });
  return placed.every(Boolean) ? placed : null;
}

function showAnswer(data) {
  const digits = Array.isArray(data.digits) && data.digits.length > 1 ? data.digits : null;
  const placed = digits && padBoxes(digits, data.image_size);
  // For a number: the digit the pointer last touched, else the last one.
  const touched = placed && pad.lastPoint && !pad.hasImage ? pickBox(placed, pad.lastPoint) : -1;
  results.answer(data, { announce: !pad.drawing, selected: touched });
  if (placed) {
    boxes.show(placed, results.readings.map((r) => r.text), results.readings.map((r) => r.kind), results.selected);
  } else {
    boxes.clear();                 // a single digit: shown exactly as before, no box
  }
}

/** Explain the answer shown (a number: its selected digit); `now`: not throttled. */
function explainAnswer(now) {
  const data = state.answer;
  if (!look.open || !data) return;
  const several = Array.isArray(data.digits) && data.digits.length > 1;
  const drawing = state.lastSource === 'drawing' ? state.posted : null;
  const source = drawing ? { dataURL: drawing.image, strokes: drawing.strokes } : { file: state.uploadFile };
  if (!drawing && !state.uploadFile) return;
  explaining.request({
    ...source,
    index: several ? results.selected : null,
    number: several ? results.readings.map((r) => r.text) : null,
  }, { now });
}

function setLook(open) {
  look.setOpen(open);
  document.documentElement.dataset.look = open ? 'open' : 'closed';
  lookToggle.setAttribute('aria-expanded', String(open));
  if (open) explainAnswer(true);
  else explaining.cancel();
}

results.onselect = (index) => {
  boxes.select(index);
  explainAnswer(true);
};
look.onselect = (index) => {
  results.select(index, { announce: true });
  results.onselect(index);
};
lookToggle.addEventListener('click', () => setLook(!look.open));
document.getElementById('look-close').addEventListener('click', () => {
  setLook(false);
  lookToggle.focus();
});

predictor.addEventListener('answer', (e) => {
  state.networkDown = false;
  state.answer = e.detail.data;
  showAnswer(e.detail.data);
  syncAttributes();
  explainAnswer(!pad.drawing);
  // A drawing finished and read: ask whether it was right (an upload is not kept).
  const number = e.detail.data.number;
  if (!pad.drawing && state.lastSource === 'drawing' && state.posted && typeof number === 'string' && /[0-9]/.test(number)) {
    feedback.offer({ ...state.posted, answer: number, pointer: state.pointer });
  } else {
    feedback.withdraw();
  }
});

predictor.addEventListener('error', (e) => {
  const { kind, status, message } = e.detail;
  if (kind === 'network') {
    state.networkDown = true;
    results.error('Server unreachable', {
      note: 'Can’t reach the server. Your drawing is safe; it will try again on your next stroke.',
    });
  } else if (status === 422 && state.lastSource === 'drawing' && pad.drawing) {
    results.pending();             // mid-stroke, too little ink yet: the stroke's end will tell
  } else if (status === 422) {
    results.error(state.lastSource === 'upload'
      ? 'No digit found in that picture'
      : 'Can’t see a digit yet: keep drawing', { note: '' });
  } else if (status === 413) {
    results.error('That picture is too large', { note: message || 'Try a smaller photo.' });
  } else if (status === 400 || status === 415) {
    results.error('That file can’t be read', { note: message || 'Use a PNG or JPEG picture.' });
  } else {
    results.error('Something went wrong', { note: message || `The server answered ${status}. Try again.` });
  }
  if (prediction.dataset.state === 'error') {
    boxes.clear();
    state.answer = null;
    explaining.cancel();
    look.empty();
  }
  syncAttributes();
});

predictor.addEventListener('dropped', syncAttributes);

predictor.addEventListener('settled', () => {
  if (state.waitingForIdle) {
    state.waitingForIdle = false;
    if (pad.drawing && state.dirty) scheduleLive();
  }
});

// ------------------------------------------------------------------ the pad
function syncControls() {
  frame.dataset.mode = pad.mode;
  undoButton.disabled = pad.isEmpty;
  clearButton.disabled = pad.isEmpty;
}

pad.addEventListener('strokestart', (e) => {
  feedback.reset();
  state.uploadToken += 1;              // a picture still being decoded will not replace this drawing
  state.strokeStarted = performance.now();
  state.dirty = true;
  if (e.detail.replacedImage) {
    predictor.invalidate();      // the upload's answer no longer applies
    results.pending();
    boxes.clear();
  }
  syncControls();
  scheduleLive();
});

pad.addEventListener('strokemove', () => {
  state.dirty = true;
  scheduleLive();
});

pad.addEventListener('strokeend', () => {
  syncControls();
  sendDrawing();
});

pad.addEventListener('change', (e) => {
  syncControls();
  if (e.detail.reason === 'image') return;         // upload() posts the file itself
  if (pad.isEmpty) {
    showEmpty();
  } else if (e.detail.reason === 'undo') {
    sendDrawing();
  }
});

function clearAll() {
  state.uploadToken += 1;
  uploadInput.value = '';
  pad.clear();
  showEmpty();
  syncControls();
}

undoButton.addEventListener('click', () => pad.undo());
canvas.addEventListener('pointerdown', (e) => { state.pointer = e.pointerType || null; });
feedback.addEventListener('done', clearAll);       // "Thanks!", and a clean pad for the next digit
clearButton.addEventListener('click', clearAll);

// ------------------------------------------------------------------ keyboard
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (t instanceof HTMLElement && (t.isContentEditable || /^(TEXTAREA|SELECT)$/.test(t.tagName)
      || (t.tagName === 'INPUT' && !/^(file|button|checkbox|radio)$/i.test(t.type)))) {
    return;
  }
  if (e.key === 'Escape') {
    e.preventDefault();
    clearAll();
  } else if ((e.key === 'z' || e.key === 'Z') && (e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey) {
    e.preventDefault();
    pad.undo();
  } else if (e.key === 'Backspace' && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    pad.undo();
  }
});

// ------------------------------------------------------------------ upload & drag-and-drop
function placeholderPicture() {
  const c = document.createElement('canvas');
  c.width = 600;
  c.height = 600;
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#e2e8f0';
  ctx.fillRect(0, 0, 600, 600);
  ctx.fillStyle = '#334155';
  ctx.font = '600 40px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText('Picture sent', 300, 285);
  ctx.fillText('(no preview)', 300, 345);
  return c;
}

async function upload(file) {
  if (!file) return;
  const token = ++state.uploadToken;
  state.uploadFile = file;
  if (file.type && !file.type.startsWith('image/')) {
    results.error('That file isn’t a picture', { note: 'Choose a photo or scan of a digit (PNG or JPEG).' });
    return;
  }
  predictor.invalidate();               // answers about the drawing no longer apply
  feedback.reset();
  state.lastSource = 'upload';
  results.pending();                    // at once: decoding a big photo takes a moment
  let picture;
  try {
    picture = await createImageBitmap(file);
  } catch {
    picture = placeholderPicture();     // e.g. a format this browser can't show; the server may still read it
  }
  if (token !== state.uploadToken) return;    // another upload or Clear came first
  pad.setImage(picture);
  boxes.clear();
  cancelLive();
  state.dirty = false;
  state.lastSource = 'upload';
  // The server reads the picture upright (EXIF), as createImageBitmap shows it; its boxes
  // come in the pixels of the image it read (the answer's image_size).
  const rect = pad.imageRect();
  state.boxSpace = rect && picture instanceof ImageBitmap
    ? { ...rect, width: picture.width, height: picture.height }
    : null;
  predictor.predictFile(file);
}

uploadInput.addEventListener('change', () => {
  const file = uploadInput.files && uploadInput.files[0];
  upload(file);
  uploadInput.value = '';               // choosing the same file again still fires "change"
});

const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');

frame.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  state.dragDepth += 1;
  frame.classList.add('dragover');
});
frame.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
});
frame.addEventListener('dragleave', () => {
  state.dragDepth = Math.max(0, state.dragDepth - 1);
  if (state.dragDepth === 0) frame.classList.remove('dragover');
});
frame.addEventListener('drop', (e) => {
  e.preventDefault();
  state.dragDepth = 0;
  frame.classList.remove('dragover');
  const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
  upload(file);
});
// A picture dropped next to the pad must not replace the page.
window.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
window.addEventListener('drop', (e) => { if (hasFiles(e)) e.preventDefault(); });

// ------------------------------------------------------------------ connectivity
window.addEventListener('online', () => {
  if (state.networkDown && !pad.isEmpty && !pad.hasImage) sendDrawing();
});

// ------------------------------------------------------------------ start
results.empty();
look.empty();
setLook(new URLSearchParams(window.location.search).has('look'));
syncControls();
syncAttributes();
document.documentElement.dataset.ready = 'true';
