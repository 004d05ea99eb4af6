// Is the server there? After a failed request, probes /healthz with backoff (1 s, 2 s,
// 4 s, ... at most 15 s, with jitter, so that tablets do not all knock at once) until it
// answers, then says so. Events: 'lost', 'restored'.

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];

export class Connection extends EventTarget {
  constructor({ probeUrl = '/healthz', timeoutMs = 4000 } = {}) {
    super();
    this.probeUrl = probeUrl;
    this.timeoutMs = timeoutMs;
    this.online = true;
    this.attempt = 0;
    this.timer = 0;
    window.addEventListener('online', () => { if (!this.online) this._probeSoon(0); });
  }

  /** A request failed for want of the server: start probing (once). */
  lost() {
    if (!this.online) return;
    this.online = false;
    this.attempt = 0;
    this.dispatchEvent(new CustomEvent('lost'));
    this._probeSoon(BACKOFF_MS[0]);
  }

  /** A request went through: the server is back, whatever the probe thought. */
  seen() {
    if (this.online) return;
    this._restore();
  }

  _probeSoon(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this._probe(), ms * (0.8 + Math.random() * 0.4));
  }

  async _probe() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const response = await fetch(this.probeUrl, { cache: 'no-store', signal: controller.signal });
      if (response.ok) {
        this._restore();
        return;
      }
    } catch { /* still away */ } finally {
      clearTimeout(timer);
    }
    this.attempt += 1;
    this._probeSoon(BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]);
  }

  _restore() {
    clearTimeout(this.timer);
    this.online = true;
    this.attempt = 0;
    this.dispatchEvent(new CustomEvent('restored'));
  }
}
