"""The page in a real browser (Debian's Chromium through Playwright) against a real server.

Fixtures from conftest.py: live_server (base URL of gunicorn on the shipped model),
browser (session Chromium) and page (1280x800 desktop page).

Hooks the page keeps for these tests:
  #prediction[data-digit]   the digit shown, "" when none
  #prediction[data-state]   empty | pending | confident | uncertain | error
  #prediction[data-dropped] how many stale answers were thrown away
  [data-bar="D"][data-probability]
"""

import json
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")

TIMEOUT = 10_000  # ms

# Strokes in fractions of the pad's side.
ONE = [[(0.52, 0.18), (0.51, 0.5), (0.50, 0.82)]]
SEVEN = [[(0.28, 0.22), (0.72, 0.22), (0.56, 0.5), (0.44, 0.82)]]
SEVEN_BAR = [[(0.30, 0.19), (0.52, 0.18)]]          # added to ONE it makes a 7

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


def assert_empty(page):
    expect(page.locator("#prediction")).to_have_attribute("data-digit", "", timeout=TIMEOUT)
    expect(page.locator("#prediction")).to_have_attribute("data-state", "empty")
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
