// The answer: the big digit (or number), the ten confidence bars and "what the network sees".
//
// Test hooks kept up to date here:
//   #prediction[data-digit]       the whole drawing read as one digit, always the API's `digit`
//                                 ("" when none); when it is "not a digit" the page shows it
//                                 faintly, with a "?", as a best guess
//   #prediction[data-state]       empty | pending | confident | uncertain | rejected | error;
//                                 for a number: the state of the selected digit
//   #prediction[data-mode]        digit | number (several digits found)
//   #number[data-number]          what the page reads: "7", "2026", "20?6", "?"; "" when nothing
//   #number[data-selected]        the index (in the answer's `digits`) whose bars are shown
//   [data-bar="D"][data-probability]  the probability of digit D, e.g. "0.9731"
//   .result-panel[data-guess]     none | hidden | shown: when the reading shown is not a digit
//                                 (a single drawing, or the chosen piece of a number), its best
//                                 guess (the digit and the bars) is shown only when asked

export const EMPTY_HINT = 'Draw a digit, 0–9';
export const REJECTED_TEXT = 'That doesn’t look like a digit';
export const REJECTED_HINT = 'Letters, faces and doodles get this answer. Try one digit, 0 to 9.';
export const REJECTED_NUMBER_HINT = 'None of it reads as a digit. Try digits side by side, 0 to 9.';

/** One reading from the API (the top level, or an entry of `digits`), normalised. */
export function readingOf(r) {
  const probabilities = Array.isArray(r.probabilities) ? r.probabilities.map(Number) : [];
  const digit = Number.isInteger(r.digit) ? r.digit
    : probabilities.reduce((best, p, d) => (p > probabilities[best] ? d : best), 0);
  const confidence = Number.isFinite(r.confidence) ? r.confidence : (probabilities[digit] || 0);
  let runnerUp = Number.isInteger(r.runner_up) ? r.runner_up : -1;
  if (runnerUp < 0 || runnerUp === digit) {
    runnerUp = probabilities
      .map((p, d) => [p, d])
      .filter(([, d]) => d !== digit)
      .sort((a, b) => b[0] - a[0])[0]?.[1] ?? -1;
  }
  const isDigit = r.is_digit !== false;            // absent (older servers): a digit
  const uncertain = r.uncertain === true;         // the server's rule (recognise.UNCERTAIN_BELOW), not a copy
  return {
    digit, confidence, probabilities, runnerUp, isDigit, uncertain,
    kind: !isDigit ? 'rejected' : uncertain ? 'uncertain' : 'confident',
    text: isDigit ? String(digit) : '?',
    input: typeof r.input === 'string' ? r.input : null,
  };
}

export class Results {
  constructor(doc = document) {
    this.doc = doc;
    this.panel = doc.querySelector('.result-panel');
    this.prediction = doc.getElementById('prediction');
    this.digitText = doc.getElementById('digit-text');
    this.number = doc.getElementById('number');
    this.verdict = doc.getElementById('verdict');
    this.seen = doc.getElementById('seen');
    this.note = doc.getElementById('note');
    this.summary = doc.getElementById('summary');
    this.notDigit = doc.getElementById('not-digit');
    this.notDigitHint = doc.getElementById('not-digit-hint');
    this.guessToggle = doc.getElementById('guess-toggle');
    this.guessAsked = false;  // the best guess was asked for: shown until the pad is cleared
    this.bars = Array.from({ length: 10 }, (_, d) => doc.querySelector(`[data-bar="${d}"]`));
    this.lastAnnounced = '';
    this.readings = [];       // what is shown: one reading, or one per digit of a number
    this.selected = -1;
    this.shown = false;       // an answer is on screen
    this.onselect = null;     // called with the index when a digit of the number is chosen
    this.seen.addEventListener('error', () => { this.seen.hidden = true; });
    this.guessToggle.addEventListener('click', () => {
      this.guessAsked = !this.guessAsked;
      this.select(this.selected);
      if (this.guessAsked) this._announce(this._guessText(this.readings[this.selected]));
    });
    this.number.addEventListener('click', (e) => {
      const button = e.target instanceof Element && e.target.closest('button[data-index]');
      if (!button) return;
      const index = Number(button.dataset.index);
      this.select(index, { announce: true });
      if (this.onselect) this.onselect(index);
    });
  }

  get isNumber() { return this.readings.length > 1; }

  /** Nothing drawn reads as a digit: the whole drawing, or every piece of a number. */
  get nothingRead() { return this.readings.length > 0 && this.readings.every((r) => !r.isDigit); }

  _guessText(r) {
    return r ? `Best guess: ${r.digit}, ${Math.round(r.confidence * 100)}% sure.` : '';
  }

  /** "Not a digit" (`applies`: the reading shown is not one, alone or as a piece of a number):
   *  its best guess behind a button, the same for both; the hint when nothing reads as a digit. */
  _guess(applies) {
    const hidden = applies && !this.guessAsked;
    this.notDigit.hidden = !applies;
    this.panel.dataset.guess = !applies ? 'none' : hidden ? 'hidden' : 'shown';
    this.guessToggle.setAttribute('aria-expanded', String(applies && this.guessAsked));
    this.guessToggle.textContent = this.guessAsked ? 'Hide the best guess' : 'Show the best guess';
    this.notDigitHint.textContent = !applies || !this.nothingRead ? ''
      : this.isNumber ? REJECTED_NUMBER_HINT : REJECTED_HINT;
    this.notDigitHint.hidden = !this.notDigitHint.textContent;
  }

  _state(state) {
    this.prediction.dataset.state = state;
    if (state !== 'pending') this.panel.dataset.state = state;   // styling follows the last answer
  }

  _digit(text) {
    this.prediction.dataset.digit = text;
    this.digitText.textContent = text;
  }

  _mode(mode) {
    this.prediction.dataset.mode = mode;
    this.panel.dataset.mode = mode;          // layout: a number takes more room
  }

  _setNumber(text, readings = []) {
    this.number.dataset.number = text;
    this.number.style.setProperty('--n', String(Math.max(1, readings.length)));
    if (readings.length < 2) {
      this.number.replaceChildren();
      this.number.removeAttribute('aria-label');
      return;
    }
    this.number.setAttribute('aria-label', `The number ${text}. Choose a digit to see how sure the network is.`);
    const active = this.doc.activeElement;
    const focused = active && this.number.contains(active) ? active.dataset.index : null;
    this.number.replaceChildren(...readings.map((r, i) => {
      const button = this.doc.createElement('button');
      button.type = 'button';
      button.className = `num-digit ${r.kind}`;
      button.dataset.index = String(i);
      button.textContent = r.text;
      button.setAttribute('aria-label', `Digit ${i + 1}: ${r.isDigit ? r.digit : 'not recognised'}`);
      button.setAttribute('aria-pressed', 'false');
      return button;
    }));
    if (focused !== null) {             // a keyboard user keeps their place in the new answer
      const again = this.number.querySelector(`button[data-index="${focused}"]`);
      if (again) again.focus({ preventScroll: true });
    }
  }

  _setBars(probabilities, winner = -1, runnerUp = -1) {
    this.bars.forEach((bar, d) => {
      const p = probabilities ? Math.min(1, Math.max(0, Number(probabilities[d]) || 0)) : 0;
      bar.dataset.probability = p.toFixed(4);
      bar.style.setProperty('--p', String(p));
      bar.classList.toggle('win', d === winner);
      bar.classList.toggle('runner', d === runnerUp && d !== winner && p >= 0.05);
      const percent = p >= 0.995 ? '100%' : p > 0 && p < 0.005 ? '<1%' : `${Math.round(p * 100)}%`;
      bar.querySelector('.bar-value').textContent = percent;
      bar.setAttribute('aria-label', `${d}: ${Math.round(p * 100)} percent`);
    });
  }

  _seen(src) {
    if (src) {
      this.seen.src = src;
      this.seen.alt = 'The 28 by 28 pixel image the network was given';
      this.seen.hidden = false;
    } else {
      this.seen.hidden = true;
      this.seen.removeAttribute('src');
      this.seen.alt = '';
    }
  }

  _announce(text) {
    if (text === this.lastAnnounced) return;
    this.lastAnnounced = text;
    this.summary.textContent = text;
  }

  setNote(text) { this.note.textContent = text || ''; }

  _forget() {
    this.guessAsked = false;
    this._guess(false);
    this.readings = [];
    this.selected = -1;
    this.shown = false;
    this._mode('digit');
    this._setNumber('');
    this.number.dataset.selected = '';
  }

  /** The empty pad: no guess, a hint, bars at zero. */
  empty(hint = EMPTY_HINT) {
    this._forget();
    this._state('empty');
    this._digit('');
    this.verdict.textContent = hint;
    this._setBars(null);
    this._seen(null);
    this.setNote('');
    this._announce('');
  }

  /** A request is under way: keep what is shown, dimmed. */
  pending() {
    this._state('pending');
    if (!this.shown) this.verdict.textContent = 'Reading…';
  }

  /**
   * An answer from the server. `announce`: also tell screen readers (not mid-stroke).
   * `selected`: for a number, the index of the digit whose bars to show (default: the last).
   */
  answer(data, { announce = true, selected = -1 } = {}) {
    const whole = readingOf(data);
    const several = Array.isArray(data.digits) && data.digits.length > 1;
    this.readings = several ? data.digits.map(readingOf) : [whole];
    this.shown = true;
    const text = this.readings.map((r) => r.text).join('');

    this._mode(several ? 'number' : 'digit');
    // The whole drawing as one digit: for a number too (tests of single digits rely on it).
    this._digit(String(whole.digit));
    this._setNumber(text, this.readings);
    this.setNote('');
    const index = Number.isInteger(selected) && selected >= 0 && selected < this.readings.length
      ? selected : this.readings.length - 1;
    this.select(index, { announce: false });
    if (announce) {
      if (several) {
        const spoken = text.includes('?')
          ? text.split('').map((c) => (c === '?' ? 'unrecognised' : c)).join(' ')
          : text;
        this._announce(`It reads ${spoken}.`);
      } else {
        this._announce(this._spoken(whole));
      }
    }
  }

  _spoken(r) {
    const percent = Math.round(r.confidence * 100);
    if (r.kind === 'rejected') return `${REJECTED_TEXT}. ${this.guessAsked ? this._guessText(r) : ''}`.trim();
    if (r.kind === 'uncertain') return `Maybe ${r.digit}, or ${r.runnerUp}. Not sure.`;
    return `It's a ${r.digit}. ${percent} percent sure.`;
  }

  /** Show the bars, verdict and network input of reading `index` (a digit of the number). */
  select(index, { announce = false } = {}) {
    const r = this.readings[index];
    if (!r) return;
    this.selected = index;
    this.number.dataset.selected = String(index);
    for (const button of this.number.children) {
      const on = button.dataset.index === String(index);
      button.classList.toggle('selected', on);
      button.setAttribute('aria-pressed', String(on));
    }
    this._state(r.kind);

    this.verdict.replaceChildren();
    if (this.isNumber) {
      const which = this.doc.createElement('span');
      which.className = 'verdict-which';
      which.textContent = `Digit ${index + 1} of ${this.readings.length}: `;
      this.verdict.append(which);
    }
    const strong = this.doc.createElement('strong');
    const percent = Math.round(r.confidence * 100);
    if (r.kind === 'rejected') {
      this.verdict.append(this.isNumber ? 'doesn’t look like a digit' : REJECTED_TEXT);
      if (this.guessAsked) {
        const guess = this.doc.createElement('span');
        guess.className = 'verdict-guess';
        guess.textContent = ` ${this._guessText(r)}`;
        this.verdict.append(guess);
      }
    } else if (r.kind === 'uncertain') {
      if (this.isNumber) {
        strong.textContent = r.runnerUp >= 0 ? `${r.digit} or ${r.runnerUp}?` : `${r.digit}?`;
        this.verdict.append(strong, ' Not sure.');
      } else {
        strong.textContent = r.runnerUp >= 0 ? `or ${r.runnerUp}?` : 'Not sure';
        this.verdict.append(strong, r.runnerUp >= 0 ? ' Not sure.' : '');
      }
    } else {
      strong.textContent = `${percent}%`;
      this.verdict.append(strong, ' sure');
    }
    this._guess(r.kind === 'rejected');
    this._setBars(r.probabilities, r.digit, r.kind === 'uncertain' ? r.runnerUp : -1);
    this._seen(r.input);
    if (announce) {
      this._announce(this.isNumber ? `Digit ${index + 1}: ${this._spoken(r)}` : this._spoken(r));
    }
  }

  /** Something went wrong: say so gently; the drawing itself is untouched. */
  error(message, { note = '' } = {}) {
    this._forget();
    this._state('error');
    this._digit('');
    this.verdict.textContent = message;
    this._setBars(null);
    this._seen(null);
    this.setNote(note);
    this._announce(message);
  }
}
