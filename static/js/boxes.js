// Light boxes over the pad around each digit of a number, with a small label.
//
// An HTML overlay above the canvas (never drawn into the ink that is posted). Boxes are
// given in fractions of the pad (0..1), so they follow any resize by themselves.
//
// Test hooks:
//   #boxes[data-boxes]     how many boxes are drawn ("0" when none)
//   .box[data-index]       one per digit, .selected on the digit whose bars are shown

const PAD_PX = 6;   // room between the ink and the box, CSS px

export class Boxes {
  constructor(overlay) {
    this.overlay = overlay;
    this.boxes = [];        // [{x, y, w, h}] in pad fractions
  }

  clear() {
    this.boxes = [];
    this.overlay.replaceChildren();
    this.overlay.dataset.boxes = '0';
  }

  /**
   * boxes: [{x, y, w, h}] in fractions of the pad; labels: the text above each box;
   * kinds: 'confident' | 'uncertain' | 'rejected' per box; selected: an index.
   */
  show(boxes, labels, kinds, selected) {
    this.boxes = boxes;
    const items = boxes.map((b, i) => {
      const box = document.createElement('div');
      box.className = `box ${kinds[i] || ''}`;
      box.dataset.index = String(i);
      const pct = (v) => `${(v * 100).toFixed(3)}%`;
      box.style.left = `calc(${pct(b.x)} - ${PAD_PX}px)`;
      box.style.top = `calc(${pct(b.y)} - ${PAD_PX}px)`;
      box.style.width = `calc(${pct(b.w)} + ${2 * PAD_PX}px)`;
      box.style.height = `calc(${pct(b.h)} + ${2 * PAD_PX}px)`;
      // The label sits on the box's top edge, inside the box when that edge is near the top.
      box.classList.toggle('label-inside', b.y < 0.07);
      const label = document.createElement('span');
      label.className = 'box-label';
      label.textContent = labels[i];
      box.append(label);
      return box;
    });
    this.overlay.replaceChildren(...items);
    this.overlay.dataset.boxes = String(items.length);
    this.select(selected);
  }

  select(index) {
    for (const el of this.overlay.children) {
      el.classList.toggle('selected', el.dataset.index === String(index));
    }
  }

}

/** The index of the box containing p (pad fractions), else of the nearest one; -1 if none. */
export function pickBox(boxes, p) {
  let best = -1;
  let bestDistance = Infinity;
  boxes.forEach((b, i) => {
    const dx = Math.max(b.x - p.x, 0, p.x - (b.x + b.w));
    const dy = Math.max(b.y - p.y, 0, p.y - (b.y + b.h));
    const d = Math.hypot(dx, dy);
    // Overlapping boxes: prefer the one whose centre is closer.
    const tie = Math.hypot(p.x - (b.x + b.w / 2), p.y - (b.y + b.h / 2)) * 1e-6;
    if (d + tie < bestDistance) {
      bestDistance = d + tie;
      best = i;
    }
  });
  return best;
}
