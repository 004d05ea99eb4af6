"""How often the app reads drawn digits right, end to end, against a real gunicorn.

    .venv/bin/python bench/accuracy.py --pen pendigits-train.txt --data mnist.npz   # the full run
    .venv/bin/python bench/accuracy.py --quick          # the shipped samples: a smoke run

Two kinds of writer (bench/writers.py): real people's pen digits from writers the model
never trained on (--pen: the headline figures), and MNIST test digits re-drawn along their
centre lines (--data). For each:
1. API: digits drawn alone, posted to /api/predict as the page posts them (a 560x560
   transparent canvas export, with the strokes for pen digits).
2. Browser: digits replayed stroke by stroke into the page in Chromium, with the mouse and
   with touch; the digit the page shows is compared with the label and with the API's last
   answer.
3. Numbers: 2 to 6 digits written side by side as a person writes a number (write_number),
   posted to the API and replayed in the page; the number read must match whole.
   --brushes compares brush widths on the API.
Figures per digit and per writer, with the errors' confusion; written to
bench/results/accuracy.json.
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
from bench.writers import (PAD_BRUSH, MnistWriters, PenWriters, inside_pad, random_drawing, stroke_png,  # noqa: E402
                           summary)  # noqa: E402
from training import synth  # noqa: E402
from training.people import NUMBER_HEIGHTS  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pen", type=Path, default=FIXTURES / "pendigits_sample.txt",
                   help="people's pen digits (UNIPEN); only the held-out writers' are used")
    p.add_argument("--data", type=Path, default=FIXTURES / "mnist_sample.npz", help="MNIST .npz (its test digits)")
    p.add_argument("--writers", default="people,mnist", help="which writers to measure: people, mnist or both")
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


def api_accuracy(port, writers, count, rng):
    records, errors = [], 0
    for i in rng.choice(len(writers), size=min(count, len(writers)), replace=False):
        status, answer = serve.request(port, "POST", "/api/predict", writers.export_body(i, rng))
        errors += status != 200
        shown = str(json.loads(answer)["digit"]) if status == 200 else ""
        records.append((writers.label(i), writers.writer(i), shown))
    return summary(records) | {"errors": errors}


def api_numbers(port, writers, count, rng, brush, with_strokes=True):
    """Numbers written as write_number writes them, drawn with `brush`, posted to the API
    with their strokes, as the page posts them (or, `with_strokes` false, the bitmap alone)."""
    hits, totals, errors, misses = {True: 0, False: 0}, {True: 0, False: 0}, 0, []
    for _ in range(count):
        strokes, truth, touching = write_number(writers, rng, int(rng.integers(2, 7)), brush)
        strokes = writers.posted(strokes)
        body = payloads.json_body(stroke_png(strokes, brush), strokes if with_strokes else None)
        status, answer = serve.request(port, "POST", "/api/predict", body)
        errors += status != 200
        shown = json.loads(answer)["number"] if status == 200 else f"({status})"
        totals[touching] += 1
        hits[touching] += shown == truth
        if shown != truth and len(misses) < 40:
            misses.append({"truth": truth, "shown": shown, "touching": touching})
    return numbers_summary(hits, totals) | {"brush_px": round(brush, 1), "errors": errors, "misses": misses}


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


def browser_digits(driver, writers, count, rng):
    records, agree, timeouts = [], 0, 0
    for i in rng.choice(len(writers), size=min(count, len(writers)), replace=False):
        height, _, centre = random_drawing(rng)
        driver.clear()
        driver.draw(inside_pad(writers.strokes(i, height, centre, rng, driver.touch)))
        if not driver.settle():
            timeouts += 1
            print("no answer shown:", driver.page.evaluate(
                "() => ({...document.querySelector('#prediction').dataset})"), len(driver.answers), flush=True)
            records.append((writers.label(i), writers.writer(i), ""))
            continue
        shown = driver.shown()["digit"]
        last = next((a for a in reversed(driver.answers) if a), None)
        records.append((writers.label(i), writers.writer(i), shown))
        agree += last is not None and shown == str(last["digit"])
    return summary(records) | {"agrees_with_last_api_answer": round(agree / max(len(records) - timeouts, 1), 4),
                               "timeouts": timeouts}


def write_number(writers, rng, length, brush, touch=False):
    """Strokes of `length` digits written side by side as a person writes a number:
    one size for the whole number (each digit within 10 % of it, on a wavering baseline),
    the pen moved on by each digit's own width plus a gap, and about one pair in ten
    touching slightly. The number is shrunk, if need be, to fit across the pad.
    Returns the strokes, the number's digits, and whether any two of them touch."""
    picks = rng.choice(len(writers), size=length)
    height = rng.uniform(*NUMBER_HEIGHTS)
    drawn = [writers.strokes(i, height * rng.uniform(0.9, 1.1), (0.0, 0.0), rng, touch) for i in picks]
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
    return inside_pad(strokes), "".join(str(writers.label(i)) for i in picks), min(gaps) < 0


def browser_numbers(driver, writers, count, rng):
    hits = {True: 0, False: 0}
    totals = {True: 0, False: 0}
    misses = []
    for _ in range(count):
        strokes, truth, touching = write_number(writers, rng, int(rng.integers(2, 7)), PAD_BRUSH, driver.touch)
        driver.clear()
        driver.draw(strokes)
        shown = driver.shown()["number"] if driver.settle() else "(no answer)"
        totals[touching] += 1
        hits[touching] += shown == truth
        if shown != truth and len(misses) < 20:
            misses.append({"truth": truth, "shown": shown, "touching": touching})
    return numbers_summary(hits, totals) | {"misses": misses}


def measure(port, browser, writers, args):
    """Every measurement of one kind of writer: {name: figures}."""
    results, rng = {}, np.random.default_rng(args.seed)

    def done(name, figures):
        results[name] = figures
        print(f"{writers.name} {name}:", {k: v for k, v in figures.items()
                                          if k not in ("per_digit", "per_writer", "misses")},
              flush=True)

    if args.api:
        done("api_canvas_exports", api_accuracy(port, writers, args.api, rng))
    if args.api_numbers:
        for fraction in (args.brushes.split(",") if args.brushes else ["pad"]):
            brush = PAD_BRUSH if fraction == "pad" else synth.CANVAS * float(Fraction(fraction))
            key = "api_numbers" + ("" if fraction == "pad" else f" brush {fraction}")
            done(key, api_numbers(port, writers, args.api_numbers, np.random.default_rng(args.seed + 1), brush))
        # the same numbers as a client that posts only the bitmap sends them
        done("api_numbers bitmap only", api_numbers(port, writers, args.api_numbers,
                                                    np.random.default_rng(args.seed + 1), PAD_BRUSH, False))
    for name, touch, count, viewport in (("browser_mouse", False, args.mouse, (1280, 800)),
                                         ("browser_touch", True, args.touch, (820, 1180))):
        numbers = args.numbers if name == "browser_mouse" else 0   # numbers are written with the mouse
        if not (count or numbers):
            continue
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, has_touch=touch)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        driver = PageDriver(page, touch)
        if count:
            done(name, browser_digits(driver, writers, count, rng))
        if numbers:
            done("browser_numbers", browser_numbers(driver, writers, args.numbers, rng))
        context.close()
    return results


def main(argv=None):
    args = parse_args(argv)
    from playwright.sync_api import sync_playwright
    kinds = {"people": lambda: PenWriters(args.pen), "mnist": lambda: MnistWriters(args.data)}
    chosen = [kinds[name]() for name in args.writers.split(",")]
    port = serve.free_port()
    args.out.mkdir(parents=True, exist_ok=True)
    process = serve.launch([sys.executable, "-m", "gunicorn", "webapp:create_app()", "-b", f"127.0.0.1:{port}"],
                           ROOT, None, args.out / "accuracy-server.log")
    files = {"people": args.pen.name, "mnist": args.data.name}   # the files, not where they sit
    results = {"data": {writers.name: files[writers.name] for writers in chosen}}
    try:
        serve.cold_start(process, port, chosen[0].export_body(0, np.random.default_rng(0)))
        with sync_playwright() as playwright:
            browser = serve.launch_chromium(playwright)
            for writers in chosen:
                results[writers.name] = measure(port, browser, writers, args)
            browser.close()
    finally:
        serve.stop(process)
    path = args.out / "accuracy.json"   # the writers measured now replace theirs; the others' stay
    kept = json.loads(path.read_text()) if path.exists() else {}
    results = kept | results | {"data": kept.get("data", {}) | results["data"]}
    path.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
