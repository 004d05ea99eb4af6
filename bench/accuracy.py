"""How often the app reads drawn digits right, end to end, against a real gunicorn.

    .venv/bin/python bench/accuracy.py --data /path/to/mnist.npz        # MNIST test digits
    .venv/bin/python bench/accuracy.py --quick                          # the shipped 200-digit sample

1. API: MNIST test digits re-drawn as canvas exports (560x560 transparent PNG, black round
   brush) at random sizes, places and brush widths, posted to /api/predict.
2. Browser: the same kind of digits replayed stroke by stroke into the page in Chromium,
   with the mouse and with touch; the digit the page shows is compared with the label and
   with the API's last answer.
3. Numbers: 2 to 6 digits written side by side as a person writes a number (write_number),
   posted to the API as canvas exports and replayed in the browser; the number read must
   match exactly. --brushes compares brush widths on the API.
Prints the figures and writes bench/results/accuracy.json.
"""

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import payloads, serve  # noqa: E402
from training import synth  # noqa: E402
from webapp.pages import BRUSH_FRACTION  # noqa: E402

HEIGHTS = (70, 480)          # digit heights on the 560 px canvas, drawn uniformly between
BRUSH = (0.06, 0.2)          # brush width as a share of the digit height
NUMBER_HEIGHTS = (80, 260)   # the height a number's digits are written at, before it is fit to the pad


def pad_brush():
    """The page's brush width on its 560 px export."""
    return synth.CANVAS * BRUSH_FRACTION.numerator / BRUSH_FRACTION.denominator


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=ROOT / "tests" / "fixtures" / "mnist_sample.npz")
    p.add_argument("--api", type=int, default=2000, help="digits posted to the API")
    p.add_argument("--mouse", type=int, default=300, help="digits drawn with the mouse")
    p.add_argument("--touch", type=int, default=150, help="digits drawn with touch")
    p.add_argument("--numbers", type=int, default=100, help="numbers of 2-6 digits drawn with the mouse")
    p.add_argument("--api-numbers", type=int, default=400, help="numbers of 2-6 digits posted to the API")
    p.add_argument("--brushes", type=str, default=None, metavar="1/19,1/30",
                   help="also post the API numbers with these brush widths (fractions of the pad's side)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="a few of each: a smoke run")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)
    if args.quick:
        args.api, args.mouse, args.touch, args.numbers, args.api_numbers = 40, 6, 4, 3, 10
    return args


def test_digits(path):
    with np.load(path) as data:
        return data["x_test"].astype(np.float32) / 255.0, data["y_test"].astype(int)


def random_drawing(rng):
    height = rng.uniform(*HEIGHTS)
    return height, max(3.0, rng.uniform(*BRUSH) * height), synth.random_centre(rng, height)


def canvas_export_body(digit, height, brush, centre):
    return payloads.json_body(synth.png_bytes(synth.render(digit, height, brush, centre)))


def api_accuracy(port, x, y, count, rng):
    hits, errors = 0, 0
    for i in rng.choice(len(x), size=min(count, len(x)), replace=False):
        status, answer = serve.request(port, "POST", "/api/predict", canvas_export_body(x[i], *random_drawing(rng)))
        if status != 200:
            errors += 1
            continue
        hits += json.loads(answer)["digit"] == y[i]
    total = min(count, len(x))
    return {"count": total, "accuracy": round(float(hits) / total, 4), "errors": errors}


def stroke_png(strokes, brush):
    """Strokes drawn as the pad draws them, as its export: black ink on transparent pixels."""
    rgba = np.zeros((synth.CANVAS, synth.CANVAS, 4), np.uint8)
    rgba[..., 3] = synth.draw_strokes(strokes, brush)
    return synth.png_bytes(rgba)


def api_numbers(port, x, y, count, rng, brush, with_strokes=True):
    """Numbers written as write_number writes them, drawn with `brush`, posted to the API
    with their strokes, as the page posts them (or, `with_strokes` false, the bitmap alone)."""
    hits, totals, errors = {True: 0, False: 0}, {True: 0, False: 0}, 0
    for _ in range(count):
        strokes, truth, touching = write_number(x, y, rng, int(rng.integers(2, 7)), brush)
        body = payloads.json_body(stroke_png(strokes, brush), strokes if with_strokes else None)
        status, answer = serve.request(port, "POST", "/api/predict", body)
        errors += status != 200
        totals[touching] += 1
        hits[touching] += status == 200 and json.loads(answer)["number"] == truth
    return numbers_summary(hits, totals) | {"brush_px": round(brush, 1), "errors": errors}


def numbers_summary(hits, totals):
    def share(k):
        return {"count": totals[k], "accuracy": round(hits[k] / max(totals[k], 1), 4)}
    count = sum(totals.values())
    return {"count": count, "accuracy": round(sum(hits.values()) / max(count, 1), 4),
            "without_touching_digits": share(False), "with_touching_digits": share(True)}


class PageDriver:
    """Draws strokes into the page's pad and reads what it shows, watching every answer."""

    def __init__(self, page, touch=False):
        self.page, self.touch = page, touch
        self.answers = []
        page.on("response", self._on_response)
        self.cdp = page.context.new_cdp_session(page) if touch else None

    def _on_response(self, response):
        if response.url.endswith("/api/predict") and response.request.method == "POST":
            try:
                self.answers.append(response.json())
            except Exception:  # an aborted or non-JSON answer
                self.answers.append(None)

    def to_page(self, points):
        box = self.page.locator("#pad").bounding_box()
        scale = box["width"] / synth.CANVAS
        return [(box["x"] + x * scale, box["y"] + y * scale) for x, y in points]

    def draw(self, strokes):
        for stroke in strokes:
            points = self.to_page(stroke)
            if self.touch:
                self._touch("touchStart", points[0])
                for point in points[1:]:
                    self._touch("touchMove", point)
                self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
            else:
                self.page.mouse.move(*points[0])
                self.page.mouse.down()
                for point in points[1:]:
                    self.page.mouse.move(*point)
                self.page.mouse.up()

    def _touch(self, kind, point):
        self.cdp.send("Input.dispatchTouchEvent",
                      {"type": kind, "touchPoints": [{"x": point[0], "y": point[1], "id": 1}]})

    def clear(self):
        self.page.keyboard.press("Escape")   # the page's clear shortcut (the button is disabled when empty)
        self.page.wait_for_function("document.querySelector('#prediction').dataset.digit === ''")
        self.answers.clear()

    def settle(self):
        """Wait until no request is in flight and the page shows an answer; False if it
        does not within the time limit (counted as a miss)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.page.wait_for_function(
                "() => { const p = document.querySelector('#prediction');"
                " return p.dataset.state !== 'pending' && p.dataset.state !== 'empty'; }", timeout=30000)
            time.sleep(0.25)
            self.page.wait_for_function(
                "document.querySelector('#prediction').dataset.state !== 'pending'", timeout=30000)
            return True
        except PlaywrightTimeout:
            return False

    def shown(self):
        return self.page.evaluate(
            "() => { const p = document.querySelector('#prediction');"
            " const n = document.querySelector('#number');"
            " return {digit: p.dataset.digit, number: n ? (n.dataset.number || '') : ''}; }")


def inside_pad(strokes, margin=12):
    """Move (and if need be shrink) strokes so every point lies on the pad: a person cannot
    draw off the pad, but a re-drawn MNIST digit placed near an edge can reach past it."""
    points = np.array([p for stroke in strokes for p in stroke])
    low, high = points.min(axis=0), points.max(axis=0)
    room = synth.CANVAS - 2 * margin
    scale = min(1.0, room / max(high - low))
    shift = np.clip(low * scale, margin, margin + room - (high - low) * scale) - low * scale
    return [[tuple(np.asarray(p) * scale + shift) for p in stroke] for stroke in strokes]


def browser_digits(driver, x, y, count, rng):
    hits = agree = timeouts = 0
    for i in rng.choice(len(x), size=min(count, len(x)), replace=False):
        height, _, centre = random_drawing(rng)
        driver.clear()
        driver.draw(inside_pad(synth.strokes(x[i], height, centre)))
        if not driver.settle():
            timeouts += 1
            print("no answer shown:", driver.page.evaluate(
                "() => ({...document.querySelector('#prediction').dataset})"), len(driver.answers), flush=True)
            continue
        shown = driver.shown()["digit"]
        last = next((a for a in reversed(driver.answers) if a), None)
        hits += shown == str(y[i])
        agree += last is not None and shown == str(last["digit"])
    total = min(count, len(x))
    return {"count": total, "accuracy": round(hits / total, 4),
            "agrees_with_last_api_answer": round(agree / (total - timeouts), 4), "timeouts": timeouts}


def write_number(x, y, rng, length, brush):
    """Strokes of `length` MNIST digits written side by side as a person writes a number:
    one size for the whole number (each digit within 10 % of it, on a wavering baseline),
    the pen moved on by each digit's own width plus a gap, and about one pair in ten
    touching slightly. The number is shrunk, if need be, to fit across the pad.
    Returns the strokes, the number's digits, and whether any two of them touch."""
    picks = rng.choice(len(x), size=length)
    height = rng.uniform(*NUMBER_HEIGHTS)
    drawn = [synth.strokes(x[i], height * rng.uniform(0.9, 1.1), (0.0, 0.0)) for i in picks]
    spans = [(min(px for s in d for px, _ in s), max(px for s in d for px, _ in s)) for d in drawn]
    gaps = [rng.uniform(-0.06, 0.0) if rng.random() < 0.1 else rng.uniform(0.08, 0.4) for _ in picks[1:]]
    # ink edge to edge: the skeletons and gaps scale with the writing, the brush does not
    linear = sum(hi - lo for lo, hi in spans) + height * sum(gaps)
    scale = min(1.0, (synth.CANVAS - 2 * 12 - length * brush) / linear)
    strokes, left = [], 12 + max(0.0, (synth.CANVAS - 24 - scale * linear - length * brush) / 2)
    for k, (d, (lo, hi)) in enumerate(zip(drawn, spans)):
        dx = left + brush / 2 - lo * scale
        dy = synth.CANVAS / 2 + rng.uniform(-0.05, 0.05) * height * scale
        strokes += [[(dx + px * scale, dy + py * scale) for px, py in s] for s in d]
        left += (hi - lo) * scale + brush + (gaps[k] * height * scale if k < len(gaps) else 0)
    return inside_pad(strokes), "".join(str(y[i]) for i in picks), min(gaps) < 0


def browser_numbers(driver, x, y, count, rng):
    hits = {True: 0, False: 0}
    totals = {True: 0, False: 0}
    misses = []
    brush = pad_brush()
    for _ in range(count):
        strokes, truth, touching = write_number(x, y, rng, int(rng.integers(2, 7)), brush)
        driver.clear()
        driver.draw(strokes)
        shown = driver.shown()["number"] if driver.settle() else "(no answer)"
        totals[touching] += 1
        hits[touching] += shown == truth
        if shown != truth and len(misses) < 20:
            misses.append({"truth": truth, "shown": shown, "touching": touching})
    return numbers_summary(hits, totals) | {"misses": misses}


def main(argv=None):
    args = parse_args(argv)
    from playwright.sync_api import sync_playwright
    x, y = test_digits(args.data)
    rng = np.random.default_rng(args.seed)
    port = serve.free_port()
    args.out.mkdir(parents=True, exist_ok=True)
    process = serve.launch([sys.executable, "-m", "gunicorn", "webapp:create_app()", "-b", f"127.0.0.1:{port}"],
                           ROOT, None, args.out / "accuracy-server.log")
    results = {"data": args.data.name}   # the file, not where it sits on this machine
    try:
        serve.cold_start(process, port, canvas_export_body(x[0], 300, 24, None))
        if args.api:
            results["api_canvas_exports"] = api_accuracy(port, x, y, args.api, rng)
            print("API, canvas exports:", results["api_canvas_exports"], flush=True)
        if args.api_numbers:
            for fraction in (args.brushes.split(",") if args.brushes else ["pad"]):
                brush = pad_brush() if fraction == "pad" else synth.CANVAS * float(Fraction(fraction))
                key = "api_numbers" + ("" if fraction == "pad" else f" brush {fraction}")
                results[key] = api_numbers(port, x, y, args.api_numbers, np.random.default_rng(args.seed + 1), brush)
                print(f"{key}:", results[key], flush=True)
            # the same numbers as a client that posts only the bitmap sends them
            results["api_numbers bitmap only"] = api_numbers(port, x, y, args.api_numbers,
                                                             np.random.default_rng(args.seed + 1), pad_brush(), False)
            print("api_numbers bitmap only:", results["api_numbers bitmap only"], flush=True)
        with sync_playwright() as playwright:
            browser = serve.launch_chromium(playwright)
            for name, touch, count, viewport in (("browser_mouse", False, args.mouse, (1280, 800)),
                                                 ("browser_touch", True, args.touch, (820, 1180))):
                if not count:
                    continue
                context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                              has_touch=touch)
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                driver = PageDriver(page, touch)
                results[name] = browser_digits(driver, x, y, count, rng)
                print(f"{name}:", results[name], flush=True)
                if name == "browser_mouse" and args.numbers:
                    results["browser_numbers"] = browser_numbers(driver, x, y, args.numbers, rng)
                    print("browser_numbers:", results["browser_numbers"], flush=True)
                context.close()
            browser.close()
    finally:
        serve.stop(process)
    (args.out / "accuracy.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
