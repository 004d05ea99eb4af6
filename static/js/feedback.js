// "Right" / "Not quite: it was …" after an answer, a big digit keypad for the true digit
// or number, and the posts to /api/feedback.
//
// A choice is never lost to a dropped connection or a restarting server: it waits in a
// queue (kept in localStorage, so a reload keeps it too) and is posted again with backoff
// until the server answers. Only a 4xx, the server refusing it, drops it.
//
// A reading with a "?" (a piece that is not a digit: "1?") can't be right as it stands, so it
// is offered "Not quite: it was …" alone (#feedback[data-partial="true"]).
//
// The keypad is a layer over the whole screen, or (the kiosk: the `keypadHost` option) a
// panel in place of the answer, so that it never covers the drawing it corrects.
//
// Test hooks: #feedback[data-state] hidden | offered | keypad | saving | thanks | queued | error,
// #feedback[data-partial], .keypad-display[data-value], FeedbackQueue's data-pending on the container.

const QUEUE_KEY = 'digits.feedback.queue';
const MAX_QUEUED = 40;             // drawings waiting while the server is away; the oldest goes first
const MAX_LABEL = 12;
const RETRY_MS = [1000, 2000, 4000, 8000, 15000];
const PARTIAL_PROMPT = 'Part of it didn’t read as a digit.';

function el(tag, attrs = {}, text = '') {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

/** Posts feedback in order, keeping what could not be posted yet. Events: 'saved' {id},
 *  'queued' {pending}, 'rejected' {message}, 'online', 'offline'. */
export class FeedbackQueue extends EventTarget {
  constructor({ url = '/api/feedback', storage = window.localStorage } = {}) {
    super();
    this.url = url;
    this.storage = storage;
    this.items = this._load();
    this.attempt = 0;
    this.timer = 0;
    this.busy = false;
    if (this.items.length) this._schedule(0);
  }

  get pending() { return this.items.length; }

  /** Queue one {image, strokes, answer, label, pointer} and try to post it now. */
  add(body) {
    this.items.push(body);
    while (this.items.length > MAX_QUEUED) this.items.shift();
    this._save();
    this.flush();
  }

  /** Post everything queued, oldest first; on a network error or a 5xx, try again later. */
  async flush() {
    if (this.busy) return;
    clearTimeout(this.timer);
    this.timer = 0;
    this.busy = true;
    try {
      while (this.items.length) {
        const outcome = await this._post(this.items[0]);
        if (outcome.retry) {
          this._emit('offline', { pending: this.items.length, status: outcome.status });
          this._emit('queued', { pending: this.items.length });
          this._schedule(RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)]);
          this.attempt += 1;
          return;
        }
        this.items.shift();
        this._save();
        this.attempt = 0;
        if (outcome.id !== undefined) this._emit('saved', { id: outcome.id, pending: this.items.length });
        else this._emit('rejected', { message: outcome.message, pending: this.items.length });
      }
      this._emit('online', { pending: 0 });
    } finally {
      this.busy = false;
    }
  }

  async _post(body) {
    try {
      const response = await fetch(this.url, {
        method: 'POST', body: JSON.stringify(body), cache: 'no-store',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      });
      const data = await response.json().catch(() => null);
      if (response.status === 201 && data && Number.isInteger(data.id)) return { id: data.id };
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        return { retry: true, status: response.status };
      }
      return { message: (data && data.error) || `the server answered ${response.status}` };
    } catch {
      return { retry: true, status: 0 };
    }
  }

  _schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), ms * (0.8 + Math.random() * 0.4));
  }

  _load() {
    try {
      const items = JSON.parse(this.storage.getItem(QUEUE_KEY) || '[]');
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  _save() {
    try {
      if (this.items.length) this.storage.setItem(QUEUE_KEY, JSON.stringify(this.items));
      else this.storage.removeItem(QUEUE_KEY);
    } catch { /* storage full or off: the queue still lives in memory */ }
  }

  _emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}

/** The buttons and the keypad, built into `container`. Events: 'done' {label, right} once a
 *  choice is made (saved or queued), 'open' / 'close' of the keypad. */
export class FeedbackPanel extends EventTarget {
  constructor(container, queue, { keypadHost = null } = {}) {
    super();
    this.container = container;
    this.queue = queue;
    this.keypadHost = keypadHost;   // where the keypad goes in the page's flow; null: over the screen
    this.offered = null;   // {image, strokes, answer, pointer} of the answer on show
    this.value = '';
    this._build();
    this._setState('hidden');
    queue.addEventListener('saved', () => { if (this.state === 'saving') this._thanks('Thanks!'); });
    queue.addEventListener('queued', () => {
      if (this.state === 'saving') this._thanks('Thanks! It will be saved when the server is back.', 'queued');
    });
    queue.addEventListener('rejected', (e) => {
      if (this.state === 'saving') this._thanks(`Not saved: ${e.detail.message}`, 'error');
    });
  }

  /** Offer feedback on an answer: {image (data URL), strokes, answer (string), pointer}. */
  offer(offered) {
    this.offered = offered;
    // "1?": part of it is not a digit, so "Right" could only be refused (labels are digits)
    const partial = !/^[0-9]+$/.test(offered.answer);
    this.container.dataset.partial = String(partial);
    this.rightButton.hidden = partial;
    this.answerText.textContent = offered.answer;
    this.prompt.replaceChildren(...(partial ? [PARTIAL_PROMPT] : ['Did it read ', this.answerText, '?']));
    this._closeKeypad();
    this._setState('offered');
  }

  /** The drawing changed or went: nothing to give feedback on. */
  withdraw() {
    this.offered = null;
    this._closeKeypad();
    if (this.state !== 'thanks' && this.state !== 'queued' && this.state !== 'saving') this._setState('hidden');
  }

  /** Hide everything, the thanks included (a clean start). */
  reset() {
    this.offered = null;
    clearTimeout(this.thanksTimer);
    this._closeKeypad();
    this._setState('hidden');
  }

  get keypadOpen() { return !this.keypad.hidden; }

  _build() {
    const c = this.container;
    c.classList.add('feedback');
    this.prompt = el('p', { class: 'feedback-prompt' });
    this.prompt.append('Did it read ', (this.answerText = el('strong', { class: 'feedback-answer' })), '?');
    this.rightButton = el('button', { type: 'button', class: 'fb-btn fb-right' }, 'Right');
    // one line whatever the width: where it is narrow, ": it was" goes (feedback.css)
    this.wrongButton = el('button', { type: 'button', class: 'fb-btn fb-wrong' }, 'Not quite');
    this.wrongButton.append(el('span', { class: 'fb-long' }, ': it was'), ' …');
    const buttons = el('div', { class: 'feedback-buttons' });
    buttons.append(this.rightButton, this.wrongButton);
    this.message = el('p', { class: 'feedback-message', role: 'status', 'aria-live': 'polite' });
    c.append(this.prompt, buttons, this.message);

    // The keypad, for fingers: a layer over the whole screen, or a panel in keypadHost.
    const host = this.keypadHost;
    this.keypad = el('div', { class: host ? 'keypad-layer keypad-inline' : 'keypad-layer', role: 'dialog',
                              'aria-label': 'Type what you drew', ...(host ? {} : { 'aria-modal': 'true' }) });
    this.keypad.hidden = true;
    const box = el('div', { class: 'keypad' });
    const title = el('p', { class: 'keypad-title' }, 'What did you draw?');
    this.display = el('output', { class: 'keypad-display', 'data-value': '', 'aria-live': 'polite' });
    const keys = el('div', { class: 'keypad-keys' });
    for (const key of ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', '0', 'ok']) {
      const label = key === 'back' ? '⌫' : key === 'ok' ? 'Save' : key;
      const button = el('button', { type: 'button', class: `key key-${key.length === 1 ? 'digit' : key}`,
                                    'data-key': key, 'aria-label': key === 'back' ? 'Delete a digit' : label }, label);
      keys.append(button);
    }
    this.okButton = keys.querySelector('[data-key="ok"]');
    const cancel = el('button', { type: 'button', class: 'key-cancel' }, 'Cancel');
    box.append(title, this.display, keys, cancel);
    this.keypad.append(box);
    (host || document.body).append(this.keypad);

    this.rightButton.addEventListener('click', () => this._choose(this.offered && this.offered.answer));
    this.wrongButton.addEventListener('click', () => this._openKeypad());
    keys.addEventListener('click', (e) => {
      const button = e.target instanceof Element ? e.target.closest('[data-key]') : null;
      if (button) this._press(button.dataset.key);
    });
    cancel.addEventListener('click', () => this._closeKeypad(true));
    this.keypad.addEventListener('click', (e) => { if (e.target === this.keypad) this._closeKeypad(true); });
    document.addEventListener('keydown', (e) => {
      if (!this.keypadOpen) return;
      if (/^[0-9]$/.test(e.key)) this._press(e.key);
      else if (e.key === 'Backspace') this._press('back');
      else if (e.key === 'Enter') this._press('ok');
      else if (e.key === 'Escape') this._closeKeypad(true);
      else return;
      e.preventDefault();
      e.stopImmediatePropagation();
    }, { capture: true });
  }

  _press(key) {
    if (key === 'ok') {
      if (this.value) this._choose(this.value);
      return;
    }
    this.value = key === 'back' ? this.value.slice(0, -1) : (this.value + key).slice(0, MAX_LABEL);
    this._showValue();
  }

  _showValue() {
    this.display.textContent = this.value || ' ';
    this.display.dataset.value = this.value;
    this.okButton.disabled = !this.value;
  }

  _openKeypad() {
    if (!this.offered) return;
    this.value = '';
    this._showValue();
    this.keypad.hidden = false;
    this._setState('keypad');
    this._emit('open');
    this.okButton.focus({ preventScroll: true });
  }

  _closeKeypad(backToOffer = false) {
    if (this.keypad.hidden) return;
    this.keypad.hidden = true;
    if (backToOffer && this.offered) this._setState('offered');
    this._emit('close');
  }

  _choose(label) {
    if (!this.offered || !label || !/^[0-9]{1,12}$/.test(label)) return;
    const { image, strokes, answer, pointer } = this.offered;
    const body = { image, answer, label };
    if (strokes && strokes.length) body.strokes = strokes;
    if (pointer) body.pointer = pointer;
    this.offered = null;
    this._closeKeypad();
    this._setState('saving');
    this.message.textContent = 'Saving…';
    this._emit('choose', { label, right: label === answer });
    this.queue.add(body);
  }

  _thanks(text, state = 'thanks') {
    this.message.textContent = text;
    this._setState(state);
    this._emit('done', { state });
    clearTimeout(this.thanksTimer);
    this.thanksTimer = setTimeout(() => { if (this.state === state) this._setState('hidden'); }, 2500);
  }

  _setState(state) {
    this.state = state;
    this.container.dataset.state = state;
    const choosing = state === 'offered' || state === 'keypad';
    this.rightButton.disabled = !choosing;
    this.wrongButton.disabled = !choosing;
  }

  _emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
