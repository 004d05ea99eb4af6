""""How it reads" in a real browser (Debian's Chromium through Playwright) against a real
gunicorn: it opens, updates as you draw (at most every 300 ms, and once when the stroke
ends), shows what /api/explain answered, explains a chosen digit of a number, and plays
as the kiosk's attract screen.

Hooks (static/js/look.js): #look[data-state] empty | pending | shown | error,
#look[data-digit], #look[data-seq], [data-output="D"][data-probability].
"""

import re
from pathlib import Path

import pytest

from tests.conftest import gunicorn
from tests.webapp.web.test_page import ONE, SEVEN, TIMEOUT, draw
from webapp import ROOT

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")]

SEVENTEEN = [[(0.22, 0.3), (0.21, 0.7)], [(0.45, 0.3), (0.7, 0.3), (0.58, 0.7)]]
OUTPUTS = "() => [...Array(10).keys()].map(d => Number(document.querySelector(`[data-output=\"${d}\"]`).dataset.probability))"
SIZES = "() => [...document.querySelectorAll('.look-stage')].map(s => [...s.querySelectorAll('img')].map(i => i.naturalWidth))"


def explain_requests(page):
    requests = []
    page.on("request", lambda r: requests.append(r) if r.url.endswith("/api/explain") else None)
    return requests


def open_look(page, live_server):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("data-ready", "true", timeout=TIMEOUT)
    expect(page.locator("#look")).to_be_hidden()
    page.click("#look-toggle")
    expect(page.locator("#look")).to_be_visible()
    expect(page.locator(".result-panel")).to_be_hidden()
    expect(page.locator("#look")).to_have_attribute("data-state", "empty")


def shown(page, digit, after_seq=0):
    """Wait until the view shows an explanation of `digit` newer than `after_seq`."""
    page.wait_for_function(f"""() => {{ const l = document.getElementById('look');
        return l.dataset.state === 'shown' && l.dataset.digit === '{digit}' && Number(l.dataset.seq) > {after_seq}; }}""",
                           timeout=TIMEOUT)
    return int(page.get_attribute("#look", "data-seq"))


def last_answer(page, requests, quiet_ms=500):
    """/api/explain's answer to the last request the drawing made, once no more come (the
    stroke's end sends one; a request sent while drawing may still be on its way)."""
    count = -1
    while count != len(requests):
        count = len(requests)
        page.wait_for_timeout(quiet_ms)
    return requests[-1].response().json()


def test_the_view_opens_and_follows_the_drawing(page, live_server):
    requests = explain_requests(page)
    open_look(page, live_server)

    draw(page, ONE)
    seq = shown(page, 1)
    answer = last_answer(page, requests)
    expect(page.locator("#look-evidence")).to_have_attribute("src", answer["evidence"]["image"], timeout=TIMEOUT)
    outputs = page.evaluate(OUTPUTS)
    assert outputs == pytest.approx(answer["probabilities"], abs=1e-4)
    # the last layer of each stage, and the evidence, decoded (data URLs decode asynchronously)
    page.wait_for_function(f"() => JSON.stringify(({SIZES})()) === '{[[28] * 12, [14] * 12, [7] * 12]}'.replaceAll(' ', '')",
                           timeout=TIMEOUT)
    page.wait_for_function("() => document.getElementById('look-evidence').naturalWidth === 28", timeout=TIMEOUT)
    expect(page.locator(".look-bar.win")).to_have_attribute("data-output", "1")
    expect(page.locator("#look-why")).to_contain_text("say 1")
    assert answer["strokes_read"]
    expect(page.locator("#look-paths")).to_be_visible()   # "with the path your pen took"

    page.click("#clear")
    expect(page.locator("#look")).to_have_attribute("data-state", "empty")
    draw(page, SEVEN)
    shown(page, 7, seq)
    assert page.evaluate(OUTPUTS) != pytest.approx(outputs, abs=1e-3)
    expect(page.locator(".look-bar.win")).to_have_attribute("data-output", "7")

    page.click("#look-close")                      # back to the answer, which stayed up to date
    expect(page.locator("#look")).to_be_hidden()
    expect(page.locator("#prediction")).to_have_attribute("data-digit", "7")


def test_updates_while_drawing_at_most_every_300_ms(page, live_server):
    requests = explain_requests(page)
    open_look(page, live_server)
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.15 * box["height"])
    page.mouse.down()
    for i in range(1, 41):                         # a slow stroke: about 2 seconds
        page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + (0.15 + 0.7 * i / 40) * box["height"])
        page.wait_for_timeout(50)
    while_drawing = len(requests)
    page.mouse.up()
    shown(page, 1)
    assert while_drawing >= 2                      # it followed the pen
    times = [r.timing["startTime"] for r in requests[:while_drawing]]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 250, gaps                  # throttled (milliseconds)
    page.wait_for_timeout(400)
    assert len(requests) == while_drawing + 1      # and once more when the stroke ended
    assert requests[-1].post_data_json["image"].startswith("data:image/png;base64,")


def test_a_digit_of_a_number_is_chosen(page, live_server):
    requests = explain_requests(page)
    open_look(page, live_server)
    draw(page, SEVENTEEN)
    seq = shown(page, 7)                           # the digit drawn last
    expect(page.locator(".look-digit")).to_have_count(2)
    page.click(".look-digit[data-index='0']")
    shown(page, 1, seq)
    assert requests[-1].post_data_json["index"] == 0
    expect(page.locator(".look-digit[data-index='0']")).to_have_attribute("aria-pressed", "true")
    assert page.get_attribute("#number", "data-selected") == "0"


def test_the_kiosk_shows_it_as_its_attract_screen(browser, tmp_path):
    with gunicorn(1, tmp_path / "gunicorn.log", DIGITS_KIOSK_ATTRACT_SECONDS="1") as (_, port):
        page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        page.goto(f"http://127.0.0.1:{port}/kiosk?look=1")
        page.wait_for_selector("body[data-attract='true']", timeout=TIMEOUT)
        page.wait_for_function("() => Number(document.getElementById('look').dataset.seq) >= 1", timeout=20_000)
        expect(page.locator("#look")).to_be_visible()
        expect(page.locator("#answer")).to_be_hidden()
        draw(page, SEVEN)                          # a visitor: the loop and the view give way
        expect(page.locator("#look")).to_be_hidden()
        page.wait_for_selector("#answer[data-state='answered']", timeout=TIMEOUT)
        page.goto(f"http://127.0.0.1:{port}/kiosk")
        assert page.get_attribute("body", "data-look") == "false"
        page.context.close()


def test_the_kiosk_caches_what_the_view_needs_offline():
    shell = re.search(r"const SHELL = \[(.*?)\];", (ROOT / "static" / "kiosk" / "sw.js").read_text(), re.S).group(1)
    assert "'/static/js/look.js'" in shell and "'/static/look.css'" in shell
