// Posting drawings and pictures to /api/predict (or /api/explain), latest-wins.
//
// Every request gets a sequence number. An answer is shown only if it belongs to the
// newest request made; anything older is dropped, however late it arrives. Superseded
// requests are not aborted (they usually finish in a few milliseconds anyway); invalidate()
// aborts everything in flight, for Clear and the empty pad. A request that takes too long is
// aborted after `timeoutMs` and reported as a network problem.

export class Predictor extends EventTarget {
  constructor({ url = '/api/predict', timeoutMs = 15000 } = {}) {
    super();
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.seq = 0;              // newest request (or invalidation)
    this.shownSeq = 0;         // newest answer handed out
    this.dropped = 0;          // stale answers thrown away
    this.inFlight = new Map(); // seq -> AbortController
  }

  get busy() { return this.inFlight.size > 0; }

  /** Forget every request made so far: their answers will be dropped. */
  invalidate() {
    this.seq += 1;
    for (const controller of this.inFlight.values()) controller.abort();
    this.inFlight.clear();
    return this.seq;
  }

  /** Post a canvas export, `{"image": dataURL, "strokes": [[[x, y], ...], ...]}`, and
   *  any `fields` more (e.g. /api/explain's `index`). */
  predictDataURL(dataURL, strokes = null, fields = null) {
    const body = strokes && strokes.length ? { image: dataURL, strokes } : { image: dataURL };
    return this._send(JSON.stringify({ ...body, ...fields }), { 'Content-Type': 'application/json' });
  }

  /** Post an uploaded file as multipart, field `image`, and any `fields` more. */
  predictFile(file, fields = null) {
    const form = new FormData();
    form.append('image', file, file.name || 'upload');
    for (const [name, value] of Object.entries(fields || {})) form.append(name, String(value));
    return this._send(form, {});
  }

  async _send(body, headers) {
    const seq = ++this.seq;
    const controller = new AbortController();
    this.inFlight.set(seq, controller);
    const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), this.timeoutMs);
    this._emit('request', { seq });

    let outcome;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        body,
        headers: { Accept: 'application/json', ...headers },
        signal: controller.signal,
        cache: 'no-store',
      });
      let data = null;
      try { data = await response.json(); } catch { /* not JSON: handled below */ }
      if (response.ok && data && typeof data.digit === 'number') {
        outcome = { type: 'answer', seq, data };
      } else {
        outcome = {
          type: 'error', seq, kind: 'server', status: response.status,
          message: (data && typeof data.error === 'string') ? data.error : '',
        };
      }
    } catch (err) {
      const timedOut = controller.signal.reason && controller.signal.reason.name === 'TimeoutError';
      outcome = { type: 'error', seq, kind: timedOut || !controller.signal.aborted ? 'network' : 'aborted', status: 0, message: '' };
    } finally {
      clearTimeout(timer);
      if (this.inFlight.get(seq) === controller) this.inFlight.delete(seq);
    }

    if (seq !== this.seq || outcome.kind === 'aborted') {
      // An answer to an older drawing: never shown.
      this.dropped += 1;
      this._emit('dropped', { seq });
      this._emit('settled', { seq, stale: true });
      return null;
    }
    this.shownSeq = seq;
    this._emit(outcome.type, outcome);
    this._emit('settled', { seq, stale: false });
    return outcome;
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
