// The answer: the big digit, the ten confidence bars and "what the network sees".
//
// Test hooks kept up to date here:
//   #prediction[data-digit]       the digit shown ("" when none)
//   #prediction[data-state]       empty | pending | confident | uncertain | error
//   [data-bar="D"][data-probability]  the probability of digit D, e.g. "0.9731"

export const UNCERTAIN_BELOW = 0.6;
export const EMPTY_HINT = 'Draw a digit, 0–9';

export class Results {
  constructor(doc = document) {
    this.panel = doc.querySelector('.result-panel');
    this.prediction = doc.getElementById('prediction');
    this.digitText = doc.getElementById('digit-text');
    this.verdict = doc.getElementById('verdict');
    this.seen = doc.getElementById('seen');
    this.note = doc.getElementById('note');
    this.summary = doc.getElementById('summary');
    this.bars = Array.from({ length: 10 }, (_, d) => doc.querySelector(`[data-bar="${d}"]`));
    this.lastAnnounced = '';
    this.seen.addEventListener('error', () => { this.seen.hidden = true; });
  }

  _state(state) {
    this.prediction.dataset.state = state;
    if (state !== 'pending') this.panel.dataset.state = state;   // styling follows the last answer
  }

  _digit(text) {
    this.prediction.dataset.digit = text;
    this.digitText.textContent = text;
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

  /** The empty pad: no guess, a hint, bars at zero. */
  empty(hint = EMPTY_HINT) {
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
    if (!this.prediction.dataset.digit) this.verdict.textContent = 'Reading…';
  }

  /** An answer from the server. `announce`: also tell screen readers (not mid-stroke). */
  answer(data, { announce = true } = {}) {
    const probabilities = Array.isArray(data.probabilities) ? data.probabilities.map(Number) : [];
    const digit = data.digit;
    const confidence = Number.isFinite(data.confidence) ? data.confidence : (probabilities[digit] || 0);
    let runnerUp = Number.isInteger(data.runner_up) ? data.runner_up : -1;
    if (runnerUp < 0 || runnerUp === digit) {
      runnerUp = probabilities
        .map((p, d) => [p, d])
        .filter(([, d]) => d !== digit)
        .sort((a, b) => b[0] - a[0])[0]?.[1] ?? -1;
    }
    const uncertain = Boolean(data.uncertain) || confidence < UNCERTAIN_BELOW;
    const percent = Math.round(confidence * 100);

    this._state(uncertain ? 'uncertain' : 'confident');
    this._digit(String(digit));
    this.verdict.replaceChildren();
    if (uncertain) {
      const strong = document.createElement('strong');
      strong.textContent = runnerUp >= 0 ? `or ${runnerUp}?` : 'Not sure';
      this.verdict.append(strong, runnerUp >= 0 ? ' Not sure.' : '');
    } else {
      const strong = document.createElement('strong');
      strong.textContent = `${percent}%`;
      this.verdict.append(strong, ' sure');
    }
    this._setBars(probabilities, digit, uncertain ? runnerUp : -1);
    this._seen(typeof data.input === 'string' ? data.input : null);
    this.setNote('');
    if (announce) {
      this._announce(uncertain
        ? `Maybe ${digit}, or ${runnerUp}. Not sure.`
        : `It's a ${digit}. ${percent} percent sure.`);
    }
  }

  /** Something went wrong: say so gently; the drawing itself is untouched. */
  error(message, { note = '' } = {}) {
    this._state('error');
    this._digit('');
    this.verdict.textContent = message;
    this._setBars(null);
    this._seen(null);
    this.setNote(note);
    this._announce(message);
  }
}
