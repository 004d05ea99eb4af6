// The open-day kiosk: a big pad, a big answer, Right / Not quite with a keypad, Undo, and
// nothing a visitor can break or leave. Idle for a while, the pad clears; idle longer,
// the attract loop writes digits until someone touches the screen (with body[data-look],
// showing "How it reads" for each: /kiosk?look=1 or DIGITS_KIOSK_LOOK). A server restart or
// a Wi-Fi drop shows a calm banner while the drawing and any feedback wait.
//
// Test hooks: #answer[data-state] empty | pending | answered | error, #answer[data-number],
// body[data-attract], #banner[hidden], #feedback[data-state], html[data-ready].

import { Pad } from './pad.js';
import { Predictor } from './api.js';
import { Attract } from './attract.js';
import { Connection } from './connection.js';
import { FeedbackPanel, FeedbackQueue } from './feedback.js';
import { LookView } from './look.js';

const COUNTER_MS = 60000;
const body = document.body;
const $ = (id) => document.getElementById(id);

const pad = new Pad($('pad'));
const predictor = new Predictor();
const connection = new Connection();
const queue = new FeedbackQueue();
// the keypad takes the answer's place, beside or under the pad: never over the drawing
const feedback = new FeedbackPanel($('feedback'), queue, { keypadHost: $('keypad-host') });
const attract = new Attract($('attract'), {
  brushFraction: pad.brushFraction, samplesUrl: body.dataset.samples, explain: body.dataset.look === 'true',
});
const look = new LookView($('look'));

const answer = $('answer');
const answerLabel = $('answer-label');
const numberText = $('number');
const banner = $('banner');

const state = {
  posted: null,            // the export posted last: {dataURL, strokes}
  answered: false,         // the drawing on the pad has its answer
  pointer: null,           // the kind of pointer that drew it
  lastActivity: performance.now(),
  idleMs: Number(body.dataset.idleSeconds) * 1000 || 30000,
  attractMs: Number(body.dataset.attractSeconds) * 1000 || 60000,
};

// ------------------------------------------------------------------ the answer
function showAnswer(kind, text = '', label = '') {
  answer.dataset.state = kind;
  answer.dataset.number = kind === 'answered' ? text : '';
  numberText.textContent = text;
  answerLabel.textContent = label;
}

function showEmpty() {
  showAnswer('empty', '', 'Draw a digit on the pad');
}

function sendDrawing() {
  if (pad.isEmpty) {
    showEmpty();
    return;
  }
  const exported = pad.export();
  state.posted = { dataURL: exported.dataURL, strokes: exported.strokes };
  state.answered = false;
  feedback.withdraw();
  if (answer.dataset.state !== 'answered') showAnswer('pending', '…', 'Reading…');
  predictor.predictDataURL(exported.dataURL, exported.strokes);
}

predictor.addEventListener('answer', (e) => {
  connection.seen();
  const number = typeof e.detail.data.number === 'string' && e.detail.data.number ? e.detail.data.number : String(e.detail.data.digit);
  const rejected = !number.replace(/\?/g, '');
  showAnswer('answered', number, rejected ? 'That doesn’t look like a digit' : 'It reads');
  state.answered = true;
  if (!pad.drawing && state.posted && !rejected) {
    feedback.offer({ image: state.posted.dataURL, strokes: state.posted.strokes, answer: number, pointer: state.pointer });
  }
});

predictor.addEventListener('error', (e) => {
  const { kind, status } = e.detail;
  if (kind === 'network' || status >= 500) {
    connection.lost();             // the drawing stays; it is read again once the server is back
    if (answer.dataset.state !== 'answered') showAnswer('error', '…', 'Waiting for the server');
  } else if (status === 422) {
    showAnswer('empty', '', 'Keep drawing…');
  } else {
    showAnswer('error', '', 'Try drawing it again');
  }
});

// ------------------------------------------------------------------ the connection
connection.addEventListener('lost', () => { banner.hidden = false; });
connection.addEventListener('restored', () => {
  banner.hidden = true;
  if (!pad.isEmpty && !state.answered && !pad.drawing) sendDrawing();
  queue.flush();
  refreshCounter();
});
queue.addEventListener('offline', () => connection.lost());
queue.addEventListener('saved', () => {
  connection.seen();
  refreshCounter();
});

// ------------------------------------------------------------------ the pad
function syncPad() {
  $('pad-frame').dataset.mode = pad.mode;
  $('clear').disabled = pad.isEmpty && feedback.state === 'hidden';
  $('undo').disabled = pad.isEmpty;
}

pad.addEventListener('strokestart', () => {
  state.answered = false;
  feedback.reset();
  syncPad();
});
pad.addEventListener('strokeend', () => {
  syncPad();
  sendDrawing();
});
pad.addEventListener('change', syncPad);
$('pad').addEventListener('pointerdown', (e) => { state.pointer = e.pointerType || null; });

function clearAll() {
  predictor.invalidate();
  pad.clear();
  state.posted = null;
  state.answered = false;
  feedback.withdraw();
  showEmpty();
  syncPad();
}

/** A slip needs no fresh start: the last stroke goes, and what is left is read again. */
function undo() {
  if (!pad.undo()) return;
  predictor.invalidate();
  state.answered = false;
  feedback.reset();
  if (pad.isEmpty) {
    state.posted = null;
    showEmpty();
  } else {
    sendDrawing();
  }
  syncPad();
}

$('undo').addEventListener('click', undo);

$('clear').addEventListener('click', () => {
  feedback.reset();
  clearAll();
});

feedback.addEventListener('done', () => {     // "Thanks!" stays on show; the pad is clean for the next visitor
  clearAll();
  refreshCounter();
});

// ------------------------------------------------------------------ idle and the attract loop
function activity() {
  state.lastActivity = performance.now();
  if (body.dataset.attract === 'true') stopAttract();
}

function startAttract() {
  clearAll();
  feedback.reset();
  body.dataset.attract = 'true';
  showAnswer('empty', '', 'Your turn: draw a digit!');
  attract.start();
}

function stopAttract() {
  body.dataset.attract = 'false';
  attract.stop();
  look.setOpen(false);
  look.empty();
  showEmpty();
}

attract.addEventListener('writing', () => showAnswer('empty', '', 'Watch…'));
attract.addEventListener('read', (e) => showAnswer('answered', e.detail.number, 'It reads · now your turn!'));
attract.addEventListener('explained', (e) => {
  look.show(e.detail.data);
  look.setOpen(true);
});

for (const type of ['pointerdown', 'keydown', 'wheel']) {
  document.addEventListener(type, activity, { capture: true, passive: true });
}

setInterval(() => {
  const idle = performance.now() - state.lastActivity;
  if (pad.drawing || body.dataset.attract === 'true') return;
  if (idle >= state.attractMs) {
    startAttract();
  } else if (idle >= state.idleMs && (!pad.isEmpty || feedback.state !== 'hidden' || feedback.keypadOpen)) {
    feedback.reset();
    clearAll();
  }
}, 250);

// ------------------------------------------------------------------ the day's counter
async function refreshCounter() {
  try {
    const response = await fetch('/api/today', { cache: 'no-store' });
    const today = await response.json();
    if (!response.ok) return;
    $('counter').textContent = today.digits
      ? `${today.digits.toLocaleString()} digit${today.digits === 1 ? '' : 's'} read today, ${Math.round(today.digit_accuracy * 100)} % right`
      : 'Be the first today: draw a digit!';
  } catch { /* the counter waits for the server like the rest */ }
}

// ------------------------------------------------------------------ nothing to break
const block = (e) => { if (e.cancelable) e.preventDefault(); };
document.addEventListener('contextmenu', block);
document.addEventListener('selectstart', block);
document.addEventListener('dragstart', block);
document.addEventListener('gesturestart', block);                     // Safari's pinch
document.addEventListener('wheel', (e) => { if (e.ctrlKey) block(e); }, { passive: false });
document.addEventListener('touchmove', (e) => { if (e.touches.length > 1) block(e); }, { passive: false });
window.addEventListener('dragover', block);
window.addEventListener('drop', block);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !feedback.keypadOpen) clearAll();
  if ((e.key === 'z' || e.key === 'Z') && (e.ctrlKey || e.metaKey) && !feedback.keypadOpen) undo();
  if ((e.ctrlKey || e.metaKey) && ['+', '-', '=', '0'].includes(e.key)) block(e);   // no zooming
});

const fullscreen = $('fullscreen');
if (document.fullscreenEnabled) {
  fullscreen.hidden = false;
  fullscreen.addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else document.documentElement.requestFullscreen({ navigationUI: 'hide' }).catch(() => {});
  });
  document.addEventListener('fullscreenchange', () => {
    fullscreen.textContent = document.fullscreenElement ? 'Exit full screen' : 'Full screen';
  });
}

// ------------------------------------------------------------------ start
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: '/kiosk' }).catch(() => {});
}
showEmpty();
syncPad();
refreshCounter();
setInterval(refreshCounter, COUNTER_MS);
document.documentElement.dataset.ready = 'true';
