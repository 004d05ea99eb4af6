// The team's stats page: reads /api/stats every REFRESH_MS and draws it, charts included,
// with nothing but the DOM and SVG. The browser sends the admin token it was asked for.

const REFRESH_MS = 10000;
const SVG = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);
const percent = (ratio) => (ratio === null || ratio === undefined ? '–' : `${Math.round(ratio * 1000) / 10} %`);

function el(tag, attrs = {}, text = '') {
  const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== '') node.textContent = text;
  return node;
}

function showTiles(data) {
  $('today-drawings').textContent = data.today.drawings.toLocaleString();
  $('today-accuracy').textContent = percent(data.today.accuracy);
  $('all-drawings').textContent = data.all.drawings.toLocaleString();
  $('all-accuracy').textContent = percent(data.all.accuracy);
  $('digit-accuracy').textContent = percent(data.all.digit_accuracy);
}

/** One bar per true digit: its accuracy, with how many were drawn beneath. */
function showPerDigit(perDigit) {
  const svg = $('per-digit');
  svg.replaceChildren();
  const [width, height, top, bottom, left] = [600, 260, 28, 48, 40];
  const plot = height - top - bottom;
  const step = (width - left) / perDigit.length;
  for (const tick of [0, 0.5, 1]) {
    const y = top + plot * (1 - tick);
    svg.append(el('svg:line', { x1: left, x2: width, y1: y, y2: y, class: 'grid' }));
    svg.append(el('svg:text', { x: left - 6, y: y + 5, class: 'axis', 'text-anchor': 'end' }, `${tick * 100}`));
  }
  perDigit.forEach((d, i) => {
    const x = left + i * step + step * 0.18;
    const w = step * 0.64;
    const h = d.accuracy === null ? 0 : plot * d.accuracy;
    const bar = el('svg:rect', { x, y: top + plot - h, width: w, height: Math.max(h, 0), rx: 4,
                                 class: d.accuracy === null ? 'bar none' : 'bar' });
    bar.append(el('svg:title', {}, `${d.digit}: ${d.right} of ${d.count} right`));
    svg.append(bar);
    if (d.accuracy !== null) {
      svg.append(el('svg:text', { x: x + w / 2, y: top + plot - h - 6, class: 'value', 'text-anchor': 'middle' },
                    `${Math.round(d.accuracy * 100)}`));
    }
    svg.append(el('svg:text', { x: x + w / 2, y: height - bottom + 24, class: 'digit', 'text-anchor': 'middle' }, d.digit));
    svg.append(el('svg:text', { x: x + w / 2, y: height - 6, class: 'axis', 'text-anchor': 'middle' }, `n=${d.count}`));
  });
}

/** The confusion as a table, each cell shaded by its share of its row. */
function showConfusion(confusion) {
  const table = $('confusion');
  const head = el('tr');
  head.append(el('th', { scope: 'col', class: 'corner' }, 'meant ↓ read →'));
  for (const answer of confusion.answers) head.append(el('th', { scope: 'col' }, answer));
  const rows = confusion.counts.map((counts, i) => {
    const row = el('tr');
    row.append(el('th', { scope: 'row' }, confusion.labels[i]));
    const total = counts.reduce((a, b) => a + b, 0);
    counts.forEach((count, j) => {
      const cell = el('td', { class: count === 0 ? 'zero' : (confusion.answers[j] === confusion.labels[i] ? 'hit' : 'miss') },
                      count === 0 ? '·' : count);
      cell.style.setProperty('--share', total ? (count / total).toFixed(3) : '0');
      row.append(cell);
    });
    return row;
  });
  table.replaceChildren(el('thead'), el('tbody'));
  table.tHead.append(head);
  table.tBodies[0].append(...rows);
  $('other-length').textContent = confusion.other_length
    ? `${confusion.other_length} drawing${confusion.other_length === 1 ? ' was' : 's were'} read as a number of another length (not in the table).`
    : '';
}

/** The latest drawings, newest first; images already shown are kept, not fetched again. */
function showGallery(latest) {
  const gallery = $('gallery');
  const existing = new Map([...gallery.children].map((item) => [item.dataset.id, item]));
  const items = latest.map((d) => {
    const kept = existing.get(String(d.id));
    if (kept) return kept;
    const item = el('li', { class: d.right ? 'shot right' : 'shot wrong', 'data-id': d.id });
    const img = el('img', { src: d.image, alt: `Drawing ${d.id}: meant ${d.label}, read ${d.answer}`, loading: 'lazy',
                            decoding: 'async' });
    const caption = el('p', { class: 'shot-caption' });
    caption.append(el('span', { class: 'shot-label' }, d.label));
    caption.append(el('span', { class: 'shot-answer' }, d.right ? '✓' : `read ${d.answer}`));
    const time = new Date(d.created_at);
    item.title = `${time.toLocaleString()}${d.pointer ? ` · ${d.pointer}` : ''}`;
    item.append(img, caption);
    return item;
  });
  gallery.replaceChildren(...items);
}

async function refresh() {
  const main = $('stats');
  try {
    const response = await fetch('/api/stats', { cache: 'no-store', headers: { Accept: 'application/json' } });
    const data = await response.json().catch(() => null);
    if (!response.ok || !data || !data.all) throw new Error((data && data.error) || `the server answered ${response.status}`);
    showTiles(data);
    showPerDigit(data.per_digit);
    showConfusion(data.confusion);
    showGallery(data.latest);
    main.dataset.state = 'ready';
    $('updated').textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} s`;
  } catch (error) {
    main.dataset.state = main.dataset.state === 'loading' ? 'loading' : 'stale';
    $('updated').textContent = `Not updated: ${error.message || 'the server cannot be reached'}. Retrying…`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
