"""The page in a real browser (Debian's Chromium through Playwright) against a real server.

Fixtures from conftest.py: live_server (base URL of gunicorn on the shipped model),
browser (session Chromium) and page (1280x800 desktop page).

Hooks the page keeps for these tests:
  #prediction[data-digit]   the whole drawing read as one digit (the API's digit), "" when none
  #prediction[data-state]   empty | pending | confident | uncertain | rejected | error
                            (for a number: the state of the selected digit)
  #prediction[data-mode]    digit | number
  #prediction[data-dropped] how many stale answers were thrown away
  #number[data-number]      what the page reads ("7", "107", "1?7", "?"), "" when nothing
  #number[data-selected]    index into the answer's digits whose bars are shown
  #boxes[data-boxes]        how many digit boxes are drawn over the pad
  [data-bar="D"][data-probability]
"""

import base64
import io
import json
import math
import os
import random
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")]

TIMEOUT = 10_000  # ms

# Strokes in fractions of the pad's side.
ONE = [[(0.52, 0.18), (0.51, 0.5), (0.50, 0.82)]]
SEVEN = [[(0.28, 0.22), (0.72, 0.22), (0.56, 0.5), (0.44, 0.82)]]
SEVEN_BAR = [[(0.30, 0.19), (0.52, 0.18)]]          # added to ONE it makes a 7


# Digits of a number, centred at x = cx (fractions of the pad), 0.4 of the pad tall.
def one_at(cx, top=0.3, bottom=0.7):
    return [[(cx + 0.01, top), (cx, (top + bottom) / 2), (cx - 0.01, bottom)]]


def zero_at(cx, top=0.3, bottom=0.7, rx=0.085):
    cy, ry = (top + bottom) / 2, (bottom - top) / 2
    return [[(cx + rx * math.sin(2 * math.pi * i / 24), cy - ry * math.cos(2 * math.pi * i / 24)) for i in range(25)]]


def seven_at(cx, top=0.3, bottom=0.7, width=0.16):
    return [[(cx - width / 2, top), (cx + width / 2, top), (cx + 0.02, (top + bottom) / 2), (cx - 0.03, bottom)]]


# "107", the 0 drawn last: the digit last touched (the middle one) is the one shown.
NUMBER_107 = one_at(0.2) + seven_at(0.8) + zero_at(0.5)


# Not digits: a dense zig-zag over the whole pad, and random ones (fixed seeds).
def zigzag(n=24):
    return [[(0.1 + 0.8 * i / n, 0.88 if i % 2 else 0.12) for i in range(n + 1)]]


def random_zigzag(seed, n=40):
    rng = random.Random(seed)
    return [[(rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)) for _ in range(n)]]


SCRIBBLES = [zigzag(), random_zigzag(102), random_zigzag(117)]

PREDICTION = "document.getElementById('prediction')"
SETTLED = f"() => {PREDICTION}.dataset.state !== 'pending'"
INK = """() => {
  const c = document.getElementById('pad');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""
BARS = "() => [...Array(10).keys()].map(d => document.querySelector(`[data-bar=\"${d}\"]`).dataset.probability)"


# ---------------------------------------------------------------- helpers
def open_page(page, live_server):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("data-ready", "true", timeout=TIMEOUT)
    expect(page.locator("#prediction")).to_have_attribute("data-state", "empty")
    return page


def draw(page, strokes, steps=6):
    """Draw strokes with the mouse; every stroke ends with mouse.up, which posts at once."""
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        points = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y, steps=steps)
        page.mouse.up()


def settle(page):
    """Wait for the answer to the newest drawing; return #prediction's data attributes."""
    page.wait_for_function(SETTLED, timeout=TIMEOUT)
    return page.evaluate(f"() => ({{...{PREDICTION}.dataset}})")


def bars(page):
    return [float(p) for p in page.evaluate(BARS)]


def predict_requests(page):
    """Collect the page's POSTs to /api/predict, in the order they were made."""
    requests = []
    page.on("request", lambda r: requests.append(r) if r.url.endswith("/api/predict") else None)
    return requests


def number_state(page):
    return page.evaluate("() => ({...document.getElementById('number').dataset,"
                         " boxes: document.getElementById('boxes').dataset.boxes})")


def png_size(data_url):
    """Width and height from a PNG data URL's IHDR chunk."""
    assert data_url.startswith("data:image/png;base64,")
    head = base64.b64decode(data_url.split(",", 1)[1][:64])
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def assert_empty(page):
    expect(page.locator("#prediction")).to_have_attribute("data-digit", "", timeout=TIMEOUT)
    expect(page.locator("#prediction")).to_have_attribute("data-state", "empty")
    expect(page.locator("#number")).to_have_attribute("data-number", "")
    expect(page.locator("#boxes")).to_have_attribute("data-boxes", "0")
    assert bars(page) == [0.0] * 10
    assert page.evaluate(INK) == 0


def assert_answer_shown(page, state, response):
    """The page shows exactly this answer: digit, state, bars."""
    assert state["state"] in ("confident", "uncertain"), state
    assert state["digit"] == str(response["digit"])
    probabilities = bars(page)
    assert sum(probabilities) == pytest.approx(1.0, abs=0.01)
    assert max(range(10), key=probabilities.__getitem__) == response["digit"]
    assert probabilities == pytest.approx(response["probabilities"], abs=1e-4)
    assert (state["state"] == "uncertain") == (response["uncertain"] or response["confidence"] < 0.6)


# ---------------------------------------------------------------- 1. mouse
def test_mouse_drawing_reads_one_and_seven(page, live_server):
    requests = predict_requests(page)
    open_page(page, live_server)

    draw(page, ONE)
    state = settle(page)
    response = requests[-1].response().json()
    assert state["digit"] == "1", (state, response)
    assert_answer_shown(page, state, response)
    assert page.locator("#seen").get_attribute("src").startswith("data:image/png;base64,")

    page.click("#clear")
    assert_empty(page)

    draw(page, SEVEN)
    state = settle(page)
    response = requests[-1].response().json()
    assert state["digit"] == "7", (state, response)
    assert_answer_shown(page, state, response)
    # what was posted: the canvas export as a PNG data URL
    posted = requests[-1].post_data_json
    assert posted["image"].startswith("data:image/png;base64,")


# ---------------------------------------------------------------- 2. touch
def test_touch_drawing_on_tablet_never_scrolls(browser, live_server):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, device_scale_factor=2,
                                  has_touch=True, is_mobile=True)
    try:
        page = open_page(context.new_page(), live_server)
        # Make the page scrollable, so a finger dragging upwards *would* scroll it if the
        # pad let the browser handle the touch.
        page.evaluate("""() => {
            document.body.style.paddingBottom = '3000px';
            window.pointerTypes = [];
            document.getElementById('pad').addEventListener('pointerdown', e => pointerTypes.push(e.pointerType));
        }""")
        assert page.evaluate("window.scrollY") == 0
        box = page.locator("#pad").bounding_box()
        x = box["x"] + 0.5 * box["width"]
        top, bottom = box["y"] + 0.18 * box["height"], box["y"] + 0.82 * box["height"]

        cdp = context.new_cdp_session(page)

        def touch(kind, y=None):
            points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1, "radiusX": 4, "radiusY": 4}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", bottom)
        for i in range(1, 21):                      # a "1", drawn upwards
            touch("touchMove", bottom + (top - bottom) * i / 20)
        touch("touchEnd")

        state = settle(page)
        assert page.evaluate("pointerTypes") == ["touch"]
        assert state["digit"] == "1", state
        assert page.evaluate("window.scrollY") == 0
        assert page.evaluate(INK) > 0
        # sharp on high-DPI: the backing store is scaled by devicePixelRatio
        size = page.evaluate("(() => { const c = document.getElementById('pad');"
                             " return [c.width, c.getBoundingClientRect().width]; })()")
        assert size[0] == pytest.approx(2 * size[1], abs=2)
    finally:
        context.close()


# ---------------------------------------------------------------- 3. undo & keyboard
def test_undo_repredicts_and_keyboard_shortcuts(page, live_server):
    requests = predict_requests(page)
    open_page(page, live_server)

    draw(page, ONE)
    one = settle(page)
    one_bars = bars(page)
    draw(page, SEVEN_BAR)
    settle(page)
    assert bars(page) != one_bars                    # the second stroke changed the answer

    sent = len(requests)
    page.click("#undo")
    state = settle(page)
    assert len(requests) == sent + 1                 # undo asked again ...
    assert state["digit"] == one["digit"]            # ... about the same drawing as before
    assert bars(page) == pytest.approx(one_bars, abs=1e-4)
    assert_answer_shown(page, state, requests[-1].response().json())

    page.click("#undo")                              # nothing left
    assert_empty(page)
    expect(page.locator("#pad-hint")).to_be_visible()

    # keyboard: Control+Z and Backspace undo, Escape clears
    draw(page, ONE)
    settle(page)
    page.keyboard.press("Control+z")
    assert_empty(page)

    draw(page, ONE)
    draw(page, SEVEN_BAR)
    settle(page)
    page.keyboard.press("Backspace")
    state = settle(page)
    assert state["digit"] == one["digit"]
    draw(page, SEVEN_BAR)
    settle(page)
    page.keyboard.press("Escape")
    assert_empty(page)


# ---------------------------------------------------------------- 4. clear
def test_clear_empties_pad_and_prediction(page, live_server):
    open_page(page, live_server)
    draw(page, SEVEN)
    state = settle(page)
    assert state["digit"] != ""
    assert page.evaluate(INK) > 0
    expect(page.locator("#seen")).to_be_visible()

    page.click("#clear")
    assert_empty(page)
    expect(page.locator("#seen")).to_be_hidden()
    expect(page.locator("#verdict")).to_have_text("Draw a digit, 0–9")
    expect(page.locator("#clear")).to_be_disabled()


# ---------------------------------------------------------------- 5. upload
def test_upload_a_photo_of_a_digit(page, live_server, tmp_path):
    # a dark "1" written on slightly grey paper
    photo = Image.new("RGB", (240, 320), (236, 234, 228))
    pen = ImageDraw.Draw(photo)
    pen.line([(118, 60), (124, 262)], fill=(30, 30, 40), width=16)
    pen.line([(118, 60), (96, 86)], fill=(30, 30, 40), width=12)
    path = tmp_path / "one.png"
    photo.save(path)

    requests = predict_requests(page)
    open_page(page, live_server)
    page.set_input_files("#upload", str(path))
    state = settle(page)
    assert state["digit"] == "1", state
    assert requests[-1].headers["content-type"].startswith("multipart/form-data")
    assert_answer_shown(page, state, requests[-1].response().json())
    expect(page.locator("#pad-frame")).to_have_attribute("data-mode", "image")
    assert page.evaluate(INK) > 0                    # the picture is shown on the pad

    page.click("#clear")
    assert_empty(page)
    expect(page.locator("#pad-frame")).to_have_attribute("data-mode", "empty")


# ---------------------------------------------------------------- 6. latest wins
def test_a_late_answer_to_an_older_drawing_is_never_shown(page, live_server):
    open_page(page, live_server)
    held = []
    holding = [True]

    def handler(route):
        if holding[0]:
            held.append(route)                      # answer later
        else:
            route.continue_()

    page.route("**/api/predict", handler)
    draw(page, ONE)                                  # its request(s) are held
    page.wait_for_function(f"() => {PREDICTION}.dataset.state === 'pending'", timeout=TIMEOUT)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(20)
    assert held

    holding[0] = False
    draw(page, SEVEN_BAR)                            # a newer drawing, answered at once
    newer = settle(page)
    newer_bars = bars(page)
    assert newer["digit"] != ""

    # Now the older request's answer arrives, claiming a different digit.
    stale = (int(newer["digit"]) + 5) % 10
    probabilities = [0.0] * 10
    probabilities[stale] = 1.0
    body = json.dumps({"digit": stale, "confidence": 1.0, "probabilities": probabilities,
                       "input": "data:image/png;base64,", "uncertain": False, "runner_up": (stale + 1) % 10})
    dropped_before = int(newer["dropped"])
    for route in held:
        route.fulfill(status=200, content_type="application/json", body=body)
    # until the page has dealt with them: dropped them (right), or shown one (wrong)
    page.wait_for_function(f"() => +{PREDICTION}.dataset.dropped >= {dropped_before + len(held)}"
                           f" || {PREDICTION}.dataset.seq !== '{newer['seq']}'", timeout=TIMEOUT)

    expect(page.locator("#prediction")).to_have_attribute("data-digit", newer["digit"])
    assert page.locator("#prediction").get_attribute("data-state") == newer["state"]
    assert bars(page) == newer_bars


# ---------------------------------------------------------------- uncertain answers, failures
def test_uncertain_answers_and_failures_are_shown_gently(page, live_server):
    open_page(page, live_server)
    mode = ["uncertain"]
    probabilities = [0.01, 0.0, 0.0, 0.02, 0.48, 0.0, 0.01, 0.02, 0.0, 0.46]

    def handler(route):
        if mode[0] == "uncertain":
            route.fulfill(status=200, content_type="application/json", body=json.dumps(
                {"digit": 4, "confidence": 0.48, "probabilities": probabilities,
                 "input": "data:image/png;base64,", "uncertain": True, "runner_up": 9}))
        elif mode[0] == "down":
            route.abort("connectionrefused")
        elif mode[0] == "empty":
            route.fulfill(status=422, content_type="application/json",
                          body=json.dumps({"error": "the drawing is empty: draw a digit first"}))
        else:
            route.continue_()

    page.route("**/api/predict", handler)
    draw(page, ONE)
    state = settle(page)
    assert state["state"] == "uncertain" and state["digit"] == "4"
    expect(page.locator(".digit-q")).to_be_visible()          # "4?"
    expect(page.locator("#verdict")).to_contain_text("or 9")

    mode[0] = "down"
    draw(page, SEVEN_BAR)
    state = settle(page)
    assert state["state"] == "error" and state["digit"] == ""
    expect(page.locator("#note")).to_contain_text("reach the server")
    ink = page.evaluate(INK)
    assert ink > 0                                            # nothing drawn is lost

    mode[0] = "empty"
    page.click("#undo")
    state = settle(page)
    assert state["state"] == "error" and state["digit"] == ""
    expect(page.locator("#verdict")).not_to_be_empty()

    mode[0] = "real"                                          # the next stroke tries again
    draw(page, SEVEN_BAR)
    state = settle(page)
    assert state["state"] in ("confident", "uncertain") and state["digit"] != ""
    expect(page.locator("#note")).to_be_empty()
    assert page.evaluate(INK) == ink


# ---------------------------------------------------------------- 7. layout & screenshots
@pytest.fixture
def screenshot_dir(tmp_path):
    directory = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def check_layout(page, min_pad_fraction):
    viewport = page.viewport_size
    pad = page.locator("#pad").bounding_box()
    assert pad["width"] == pytest.approx(pad["height"], abs=1)
    assert pad["width"] >= min_pad_fraction * min(viewport["width"], viewport["height"])
    for selector in ("#undo", "#clear", "label[for=upload]"):
        box = page.locator(selector).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (selector, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (selector, box)
    # everything fits: no scrolling needed to see the pad, the buttons and the answer
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= viewport["width"] and size[1] <= viewport["height"], size
    for selector in ("#prediction", "#bars", ".seen"):
        box = page.locator(selector).bounding_box()
        if box is None and page.locator(selector).is_hidden():   # the bars, until asked for
            continue
        assert box["y"] + box["height"] <= viewport["height"], (selector, box)


def shoot(page, path):
    page.screenshot(path=str(path))
    assert path.exists() and path.stat().st_size > 20_000
    with Image.open(path) as image:                  # not one flat colour
        assert len(image.convert("L").getcolors(maxcolors=1_000_000) or []) > 16


def test_layout_and_screenshots(page, browser, live_server, screenshot_dir):
    open_page(page, live_server)
    check_layout(page, 0.6)
    draw(page, SEVEN)
    assert settle(page)["digit"] != ""
    shoot(page, screenshot_dir / "desktop-1280x800.png")

    # the strokes survive a resize, redrawn into the new backing store
    ink = page.evaluate(INK)
    page.set_viewport_size({"width": 1000, "height": 700})
    page.wait_for_function("() => { const c = document.getElementById('pad');"
                           " return Math.abs(c.width - c.getBoundingClientRect().width * devicePixelRatio) <= 2; }",
                           timeout=TIMEOUT)
    assert 0 < page.evaluate(INK) < ink

    context = browser.new_context(viewport={"width": 820, "height": 1180}, device_scale_factor=1)
    try:
        tablet = open_page(context.new_page(), live_server)
        check_layout(tablet, 0.6)
        draw(tablet, SEVEN)
        assert settle(tablet)["digit"] != ""
        shoot(tablet, screenshot_dir / "tablet-portrait-820x1180.png")
    finally:
        context.close()


# ---------------------------------------------------------------- 8. numbers
def reading_shown(page, response):
    """The reading whose bars the page shows: the selected digit of a number, else the whole."""
    digits = response.get("digits") or []
    if len(digits) > 1:
        return digits[int(number_state(page)["selected"])]
    return response


def test_a_number_is_read_digit_by_digit(page, live_server, screenshot_dir):
    requests = predict_requests(page)
    open_page(page, live_server)
    draw(page, NUMBER_107)
    state = settle(page)
    response = requests[-1].response().json()
    digits = response["digits"]
    assert response["number"] == "107", response
    assert [d["digit"] for d in digits] == [1, 0, 7]

    # the number, large, and the whole drawing's single-digit reading kept in data-digit
    expect(page.locator("#number")).to_have_attribute("data-number", response["number"])
    expect(page.locator("#number")).to_be_visible()
    expect(page.locator(".digit")).to_be_hidden()
    assert page.locator("#number .num-digit").all_inner_texts() == ["1", "0", "7"]
    assert state["mode"] == "number" and state["digit"] == str(response["digit"])

    # three light boxes over the pad, each around its digit (mapped back from the export)
    expect(page.locator("#boxes")).to_have_attribute("data-boxes", "3")
    assert page.locator("#boxes .box-label").all_inner_texts() == ["1", "0", "7"]
    pad = page.locator("#pad").bounding_box()
    for i, centre in enumerate((0.2, 0.5, 0.8)):
        b = page.locator(f"#boxes .box[data-index='{i}']").bounding_box()
        assert (b["x"] + b["width"] / 2 - pad["x"]) / pad["width"] == pytest.approx(centre, abs=0.05), (i, b)
        assert b["y"] > pad["y"] + 0.2 * pad["height"] and b["y"] + b["height"] < pad["y"] + 0.8 * pad["height"]
    # what was posted: black ink on transparent pixels, no box drawn into it
    with Image.open(io.BytesIO(base64.b64decode(requests[-1].post_data_json["image"].split(",", 1)[1]))) as png:
        rgba = np.asarray(png.convert("RGBA"))
    ink = rgba[..., 3] > 0
    assert ink.any() and not ink.all() and rgba[0, 0, 3] == 0
    assert rgba[ink][:, :3].max() == 0                    # every inked pixel is black

    # the digit last touched (the 0, drawn last) is selected: its bars, its 28x28 input
    expect(page.locator("#number")).to_have_attribute("data-selected", "1")
    expect(page.locator(".num-digit.selected")).to_have_text("0")
    expect(page.locator("#boxes .box.selected")).to_have_attribute("data-index", "1")
    assert bars(page) == pytest.approx(digits[1]["probabilities"], abs=1e-4)
    assert page.locator("#seen").get_attribute("src") == digits[1]["input"]
    expect(page.locator("#verdict")).to_contain_text("Digit 2 of 3")

    # tapping a digit of the number selects it
    page.click("#number .num-digit[data-index='2']")
    expect(page.locator("#number")).to_have_attribute("data-selected", "2")
    expect(page.locator("#boxes .box.selected")).to_have_attribute("data-index", "2")
    assert bars(page) == pytest.approx(digits[2]["probabilities"], abs=1e-4)
    assert page.locator("#seen").get_attribute("src") == digits[2]["input"]
    assert page.locator("#prediction").get_attribute("data-state") == (
        "uncertain" if digits[2]["uncertain"] else "confident")
    page.click("#number .num-digit[data-index='1']")
    expect(page.locator("#number")).to_have_attribute("data-selected", "1")
    page.mouse.move(0, 0)                                 # no hover on the number in the shot
    page.wait_for_timeout(500)                            # the bars' transitions
    shoot(page, screenshot_dir / "number-desktop-1280x800.png")

    # undo the 0: "17", two boxes; undo again: a single 1 as before, no box
    page.click("#undo")
    settle(page)
    expect(page.locator("#number")).to_have_attribute("data-number", requests[-1].response().json()["number"])
    expect(page.locator("#boxes")).to_have_attribute("data-boxes", "2")
    page.click("#undo")
    state = settle(page)
    response = requests[-1].response().json()
    assert state["mode"] == "digit" and state["digit"] == "1" == response["number"]
    expect(page.locator("#number")).to_have_attribute("data-number", "1")
    expect(page.locator("#boxes")).to_have_attribute("data-boxes", "0")
    expect(page.locator(".digit")).to_be_visible()
    assert_answer_shown(page, state, response)


def test_a_one_touching_the_zero_after_it_is_read_apart_by_its_strokes(page, live_server):
    """The 1's ink touches the 0's, so the bitmap alone holds one piece; the strokes the
    page posts beside it tell the server which ink is the 1's."""
    requests = predict_requests(page)
    open_page(page, live_server)
    touching_10 = one_at(0.40) + zero_at(0.513)   # centre lines 0.028 of the pad apart; the brush is 1/30
    draw(page, touching_10)
    settle(page)
    posted = requests[-1].post_data_json
    width, height = png_size(posted["image"])
    assert len(posted["strokes"]) == 2
    for stroke, drawn in zip(posted["strokes"], touching_10):   # the export's pixels, in the order drawn
        assert stroke[0] == pytest.approx([drawn[0][0] * width, drawn[0][1] * height], abs=1.5)
    response = requests[-1].response().json()
    assert response["number"] == "10", response
    expect(page.locator("#number")).to_have_attribute("data-number", "10")
    expect(page.locator("#boxes")).to_have_attribute("data-boxes", "2")
    bitmap_only = page.request.post(live_server + "/api/predict", data=json.dumps({"image": posted["image"]}),
                                    headers={"Content-Type": "application/json"}).json()
    assert len(bitmap_only["digits"]) == 1   # without the strokes: one piece


def test_the_posted_drawing_is_at_most_560_px(browser, live_server, screenshot_dir):
    """On a DPR-2 tablet the backing store is ~1500 px; what is posted is re-rendered small."""
    context = browser.new_context(viewport={"width": 820, "height": 1180}, device_scale_factor=2)
    try:
        page = context.new_page()
        requests = predict_requests(page)
        open_page(page, live_server)
        check_layout(page, 0.6)
        draw(page, NUMBER_107)
        state = settle(page)
        backing, css = page.evaluate("(() => { const c = document.getElementById('pad');"
                                     " return [c.width, c.getBoundingClientRect().width]; })()")
        assert backing == pytest.approx(2 * css, abs=2) and backing > 560
        sizes = [png_size(r.post_data_json["image"]) for r in requests]
        assert sizes and all(max(w, h) <= 560 for w, h in sizes), sizes
        assert sizes[-1] == (min(560, round(css)), min(560, round(css)))

        response = requests[-1].response().json()
        assert response["number"] == "107", response
        assert [d["strokes_read"] for d in response["digits"]] == [True] * 3   # each digit's own strokes read too
        expect(page.locator("#number")).to_have_attribute("data-number", "107")
        expect(page.locator("#boxes")).to_have_attribute("data-boxes", "3")
        assert state["state"] == ("uncertain" if reading_shown(page, response)["uncertain"] else "confident")
        check_layout(page, 0.6)
        number = page.locator("#number").bounding_box()
        assert number["x"] >= 0 and number["x"] + number["width"] <= page.locator("#bars").bounding_box()["x"]
        values = [page.locator(f"[data-bar='{d}'] .bar-value").bounding_box() for d in range(10)]
        for left, right in zip(values, values[1:]):   # the percentages don't run into each other
            assert left["x"] + left["width"] <= right["x"], (left, right)
        page.wait_for_timeout(500)                        # the bars' transitions
        shoot(page, screenshot_dir / "number-tablet-portrait-820x1180.png")
    finally:
        context.close()


def test_a_scribble_is_not_read_as_a_sure_digit(page, live_server):
    """A scribble ends rejected ("That doesn't look like a digit") or unsure, as the API says.

    How sure a model is of a scribble varies from model to model, so a few are tried until
    one is not read with confidence; every answer on the way must be shown as the API gave it.
    """
    requests = predict_requests(page)
    open_page(page, live_server)
    seen = []
    for scribble in SCRIBBLES:
        page.keyboard.press("Escape")
        assert_empty(page)
        draw(page, scribble)
        state = settle(page)
        response = requests[-1].response().json()
        reading = reading_shown(page, response)
        seen.append((state["state"], response["number"], reading["confidence"], reading["is_digit"]))
        # rejected iff the API says it is not a digit; else unsure iff the API is unsure
        assert (state["state"] == "rejected") == (reading["is_digit"] is False), seen
        if reading["is_digit"]:
            assert state["state"] == ("uncertain" if reading["uncertain"] else "confident"), seen
        expect(page.locator("#number")).to_have_attribute("data-number", response["number"])
        assert state["digit"] == str(response["digit"])   # shown (as a best guess if rejected)
        if state["state"] == "rejected" and len(response["digits"]) == 1:
            expect(page.locator("#verdict")).to_have_text("That doesn’t look like a digit")
            expect(page.locator("#guess-toggle")).to_be_visible()
        if state["state"] in ("rejected", "uncertain"):
            break
    assert seen[-1][0] in ("rejected", "uncertain"), seen


def test_not_a_digit_in_a_number_shows_as_a_question_mark(page, live_server):
    """The "not a digit" display, with answers made up (the shipped model may never reject)."""
    open_page(page, live_server)
    answer = {}

    def reading(digit, confidence, is_digit, box=None):
        probabilities = [(1 - confidence) / 9] * 10
        probabilities[digit] = confidence
        body = {"digit": digit, "confidence": confidence, "probabilities": probabilities,
                "uncertain": confidence < 0.6, "runner_up": (digit + 1) % 10, "is_digit": is_digit,
                "input": "data:image/png;base64,"}
        return {**body, "box": box} if box else body

    page.route("**/api/predict", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(answer)))

    # a single piece that is not a digit
    alone = reading(8, 0.31, False, [100, 100, 300, 300])
    answer.update({**alone, "number": "?", "digits": [alone]})
    draw(page, ONE)
    state = settle(page)
    assert state["state"] == "rejected" and state["digit"] == "8"   # the API's digit, kept as a guess
    expect(page.locator("#verdict")).to_have_text("That doesn’t look like a digit")
    expect(page.locator("#not-digit-hint")).to_contain_text("Try one digit, 0 to 9")
    expect(page.locator("#number")).to_have_attribute("data-number", "?")
    expect(page.locator("#boxes")).to_have_attribute("data-boxes", "0")
    expect(page.locator(".digit-q")).to_be_visible()                # a big "?" ...
    expect(page.locator("#digit-text")).to_be_hidden()              # ... and the guess only when asked
    expect(page.locator("#bars")).to_be_hidden()
    toggle = page.locator("#guess-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#verdict")).to_have_text("That doesn’t look like a digit Best guess: 8, 31% sure.")
    expect(page.locator("#digit-text")).to_have_text("8")           # a quiet "8?"
    expect(page.locator("#bars")).to_be_visible()
    toggle.click()
    expect(page.locator("#bars")).to_be_hidden()
    toggle.click()
    draw(page, SEVEN_BAR)                                           # asked once: shown while drawing on
    settle(page)
    expect(page.locator("#bars")).to_be_visible()
    page.keyboard.press("Escape")                                   # a clean pad asks again
    expect(page.locator("#not-digit")).to_be_hidden()
    draw(page, ONE)
    settle(page)
    expect(page.locator("#bars")).to_be_hidden()

    # a number whose middle piece is not a digit: "7?1" (boxes in the 560 px export's pixels)
    digits = [reading(7, 0.99, True, [40, 150, 100, 250]), reading(8, 0.3, False, [220, 150, 120, 250]),
              reading(1, 0.98, True, [420, 150, 40, 250])]
    answer.clear()
    answer.update({**reading(7, 0.4, True), "number": "7?1", "digits": digits})
    page.keyboard.press("Escape")
    draw(page, ONE)                     # ends at the pad's bottom middle: nearest the "?" box
    state = settle(page)
    assert state["mode"] == "number" and state["digit"] == "7"      # the whole drawing's
    expect(page.locator("#number")).to_have_attribute("data-number", "7?1")
    assert page.locator("#number .num-digit").all_inner_texts() == ["7", "?", "1"]
    expect(page.locator("#boxes")).to_have_attribute("data-boxes", "3")
    expect(page.locator("#boxes .box.rejected")).to_have_count(1)
    expect(page.locator("#number")).to_have_attribute("data-selected", "1")
    assert state["state"] == "rejected"
    expect(page.locator("#verdict")).to_contain_text("look like a digit")
    # the piece's best guess waits behind the same button as a single drawing's ...
    expect(page.locator("#guess-toggle")).to_be_visible()
    expect(page.locator("#guess-toggle")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#not-digit-hint")).to_be_hidden()          # ... without the hint: the others are read
    expect(page.locator("#bars")).to_be_hidden()
    page.click("#guess-toggle")
    expect(page.locator("#bars")).to_be_visible()
    expect(page.locator("#verdict")).to_contain_text("Best guess: 8, 30% sure.")
    page.click("#guess-toggle")
    expect(page.locator("#bars")).to_be_hidden()

    page.click("#number .num-digit[data-index='0']")
    expect(page.locator("#prediction")).to_have_attribute("data-state", "confident")
    expect(page.locator("#not-digit")).to_be_hidden()
    expect(page.locator("#bars")).to_be_visible()
    expect(page.locator("#verdict")).to_contain_text("99%")
    expect(page.locator("#boxes .box.selected")).to_have_attribute("data-index", "0")
    page.click("#number .num-digit[data-index='1']")
    expect(page.locator("#prediction")).to_have_attribute("data-state", "rejected")


def test_not_a_digit_screens_fit_desktop_and_phone(browser, live_server, screenshot_dir):
    """The "not a digit" answer with its hint and the best-guess button, on a desktop and a
    phone: everything fits without scrolling, the button is big enough to tap."""
    probabilities = [0.05, 0.03, 0.04, 0.1, 0.05, 0.06, 0.04, 0.05, 0.48, 0.1]
    body = {"digit": 8, "confidence": 0.48, "probabilities": probabilities, "uncertain": True,
            "runner_up": 3, "is_digit": False, "input": "data:image/png;base64,", "number": "?"}
    body["digits"] = [{**body, "box": [60, 60, 440, 440]}]
    for name, viewport in (("desktop-1280x800", {"width": 1280, "height": 800}),
                           ("phone-390x844", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                      has_touch=name.startswith("phone"))
        try:
            page = open_page(context.new_page(), live_server)
            page.route("**/api/predict", lambda route: route.fulfill(
                status=200, content_type="application/json", body=json.dumps(body)))
            draw(page, random_zigzag(7, 14))
            assert settle(page)["state"] == "rejected"
            check_layout(page, 0.6)
            toggle = page.locator("#guess-toggle").bounding_box()
            assert toggle["height"] >= 44 and toggle["y"] + toggle["height"] <= viewport["height"]
            shoot(page, screenshot_dir / f"not-a-digit-{name}.png")
            page.click("#guess-toggle")
            expect(page.locator("#bars")).to_be_visible()
            page.wait_for_timeout(400)                        # the bars' transitions
            check_layout(page, 0.6)
            shoot(page, screenshot_dir / f"not-a-digit-guess-{name}.png")
        finally:
            context.close()


# ---------------------------------------------------------------- feedback on a partly read number
def test_a_reading_with_a_question_mark_offers_only_not_quite(page, live_server):
    """"1?" can't be confirmed (a label is digits only): no "Right" that would do nothing,
    a question that reads naturally, and the correction is saved."""
    probabilities = [0.01] * 10
    probabilities[1] = 0.91
    one = {"digit": 1, "confidence": 0.91, "probabilities": probabilities, "uncertain": False, "runner_up": 7,
           "is_digit": True, "input": "data:image/png;base64,", "box": [60, 100, 60, 300]}
    piece = {**one, "digit": 4, "confidence": 0.4, "is_digit": False, "box": [300, 100, 160, 300]}
    body = {**one, "number": "1?", "digits": [one, piece]}
    saved = []
    open_page(page, live_server)
    page.route("**/api/predict", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(body)))
    page.on("request", lambda r: saved.append(r) if r.url.endswith("/api/feedback") else None)
    draw(page, one_at(0.25) + [[(0.55, 0.35), (0.75, 0.65)], [(0.75, 0.35), (0.55, 0.65)]])
    settle(page)
    expect(page.locator("#number")).to_have_attribute("data-number", "1?")
    feedback = page.locator("#feedback")
    expect(feedback).to_have_attribute("data-state", "offered", timeout=TIMEOUT)
    expect(feedback).to_have_attribute("data-partial", "true")
    expect(page.locator(".fb-right")).to_be_hidden()
    expect(page.locator(".fb-wrong")).to_be_visible()
    expect(page.locator(".fb-wrong")).to_have_text("Not quite: it was …")
    prompt = page.locator(".feedback-prompt").inner_text()
    assert "??" not in prompt and "Did it read" not in prompt, prompt

    page.click(".fb-wrong")
    for key in "17":
        page.click(f".key[data-key='{key}']")
    page.click(".key[data-key='ok']")
    expect(feedback).to_have_attribute("data-state", "thanks", timeout=TIMEOUT)
    assert [r.post_data_json["label"] for r in saved] == ["17"]
    assert saved[0].post_data_json["answer"] == "1?"
    assert saved[0].response().status == 201

    # a number read whole is offered both, as before
    whole = {**one, "digit": 7, "is_digit": True, "box": [300, 100, 160, 300]}
    body.update({"number": "17", "digits": [one, whole]})
    page.keyboard.press("Escape")
    draw(page, ONE)
    settle(page)
    expect(feedback).to_have_attribute("data-partial", "false", timeout=TIMEOUT)
    expect(page.locator(".fb-right")).to_be_visible()
    expect(page.locator(".feedback-prompt")).to_have_text("Did it read 17?")


# ---------------------------------------------------------------- "Look inside" keeps the pad
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 1920, "height": 1080}],
                         ids=["1280x800", "1920x1080"])
def test_opening_look_inside_leaves_the_pad_where_it_is(browser, live_server, viewport):
    """The drawing must not jump: the pad keeps its size and its place with the view open."""
    context = browser.new_context(viewport=viewport)
    try:
        page = open_page(context.new_page(), live_server)
        draw(page, SEVEN)
        settle(page)
        before = page.locator("#pad").bounding_box()
        page.click("#look-toggle")
        expect(page.locator("#look")).to_be_visible()
        expect(page.locator("#look")).to_have_attribute("data-state", "shown", timeout=TIMEOUT)
        after = page.locator("#pad").bounding_box()
        for key in ("x", "y", "width", "height"):
            assert after[key] == pytest.approx(before[key], abs=0.5), (key, before, after)
        look = page.locator("#look").bounding_box()
        assert look["x"] >= before["x"] + before["width"]                       # beside it, not over it
        assert look["x"] + look["width"] <= viewport["width"] and look["y"] + look["height"] <= viewport["height"]
        page.click("#look-close")
        assert page.locator("#pad").bounding_box() == pytest.approx(before, abs=0.5)
    finally:
        context.close()
