"""The kiosk in Debian's Chromium against a real gunicorn: a visitor corrects the answer and
the team sees it; an idle pad clears and the attract loop plays; a server restart is
survived with the drawing kept."""

import json
from pathlib import Path

import pytest

from bench import serve
from tests.conftest import gunicorn

pytest.importorskip("playwright")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")]

TIMEOUT = 15_000   # ms
TOKEN = "kiosk-test-token"
SEVEN = [(0.28, 0.22), (0.72, 0.22), (0.56, 0.5), (0.44, 0.82)]
INK = """() => {
  const c = document.getElementById('pad');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) n += d[i] > 0;
  return n;
}"""


def draw(page, points):
    box = page.locator("#pad").bounding_box()
    at = [(box["x"] + box["width"] * x, box["y"] + box["height"] * y) for x, y in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=6)
    page.mouse.up()


def open_kiosk(browser, url, **context):
    page = browser.new_context(**{"viewport": {"width": 1180, "height": 820}, **context}).new_page()
    page.goto(url + "/kiosk")
    page.wait_for_selector("html[data-ready='true']", timeout=TIMEOUT)
    return page


@pytest.fixture(scope="module")
def team_server(tmp_path_factory):
    with gunicorn(1, tmp_path_factory.mktemp("kiosk") / "gunicorn.log", env={"DIGITS_ADMIN_TOKEN": TOKEN}) as (_, port):
        yield f"http://127.0.0.1:{port}"


def test_a_visitor_corrects_the_answer_and_the_team_sees_it(browser, team_server):
    page = open_kiosk(browser, team_server)
    draw(page, SEVEN)
    page.wait_for_selector("#answer[data-state='answered']", timeout=TIMEOUT)
    assert page.get_attribute("#answer", "data-number") == "7"
    page.wait_for_selector("#feedback[data-state='offered']", timeout=TIMEOUT)
    page.click(".fb-wrong")
    page.wait_for_selector(".keypad-layer:not([hidden])")
    for key in "17":
        page.click(f".key[data-key='{key}']")
    assert page.get_attribute(".keypad-display", "data-value") == "17"
    page.click(".key[data-key='back']")
    page.click(".key[data-key='ok']")
    page.wait_for_selector("#feedback[data-state='thanks']", timeout=TIMEOUT)
    page.wait_for_function("() => document.getElementById('pad-frame').dataset.mode === 'empty'", timeout=TIMEOUT)
    page.wait_for_function("() => /1 digit read today, 0 % right/.test(document.getElementById('counter').textContent)",
                           timeout=TIMEOUT)
    page.context.close()

    anonymous = browser.new_context()
    assert anonymous.request.get(team_server + "/stats").status == 401
    anonymous.close()
    team = browser.new_context(http_credentials={"username": "team", "password": TOKEN}).new_page()
    team.goto(team_server + "/stats")
    team.wait_for_selector("#stats[data-state='ready']", timeout=TIMEOUT)
    shot = team.locator(".gallery .shot").first
    assert shot.locator(".shot-label").text_content() == "1"
    assert shot.locator(".shot-answer").text_content() == "read 7"
    assert team.locator("#today-drawings").text_content() == "1"
    team.wait_for_function("() => { const img = document.querySelector('.gallery img');"
                           " return img.complete && img.naturalWidth > 0; }", timeout=TIMEOUT)   # the drawing loads
    data = json.loads(team.goto(team_server + "/api/stats").text())
    assert data["latest"][0]["pointer"] == "mouse"
    team.context.close()


def test_an_idle_pad_clears_then_the_attract_loop_plays_until_touched(browser, tmp_path):
    env = {"DIGITS_KIOSK_IDLE_SECONDS": "1.5", "DIGITS_KIOSK_ATTRACT_SECONDS": "4"}
    with gunicorn(1, tmp_path / "gunicorn.log", env=env) as (_, port):
        page = open_kiosk(browser, f"http://127.0.0.1:{port}")
        draw(page, SEVEN)
        page.wait_for_selector("#feedback[data-state='offered']", timeout=TIMEOUT)
        assert page.evaluate(INK) > 0
        page.wait_for_function("() => document.getElementById('pad-frame').dataset.mode === 'empty'", timeout=5000)
        assert page.evaluate(INK) == 0
        assert page.get_attribute("#feedback", "data-state") == "hidden"
        assert page.get_attribute("body", "data-attract") == "false"
        page.wait_for_selector("body[data-attract='true']", timeout=8000)
        page.wait_for_selector("#answer[data-state='answered']", timeout=TIMEOUT)   # a sample written and read
        draw(page, SEVEN)   # a visitor: the loop stops and their drawing is read
        assert page.get_attribute("body", "data-attract") == "false"
        page.wait_for_selector("#feedback[data-state='offered']", timeout=TIMEOUT)
        assert page.get_attribute("#answer", "data-number") == "7"
        page.context.close()


def test_a_server_restart_mid_session_is_survived_with_the_drawing_kept(browser, tmp_path):
    port = serve.free_port()
    url = f"http://127.0.0.1:{port}"
    with gunicorn(1, tmp_path / "first.log", port=port) as (process, _):
        page = open_kiosk(browser, url)
        draw(page, SEVEN[:2])   # the bar of a 7 ...
        page.wait_for_selector("#answer[data-state='answered']", timeout=TIMEOUT)
        page.wait_for_timeout(1500)   # the service worker has cached the kiosk
    assert process.poll() is not None   # the server is gone
    draw(page, SEVEN[1:])   # ... its stem, drawn while the server is away
    page.wait_for_selector("#banner:not([hidden])", timeout=TIMEOUT)
    ink = page.evaluate(INK)
    assert ink > 0
    page.click(".k-fullscreen", trial=True)   # the page still answers to touch
    with gunicorn(1, tmp_path / "second.log", port=port):
        page.wait_for_selector("#banner[hidden]", state="attached", timeout=30_000)
        page.wait_for_selector("#feedback[data-state='offered']", timeout=TIMEOUT)
        assert page.get_attribute("#answer", "data-number") == "7"   # the whole drawing, read once back
        assert page.evaluate(INK) == ink
        page.click(".fb-right")
        page.wait_for_selector("#feedback[data-state='thanks']", timeout=TIMEOUT)
    page.context.close()


def box_of(page, selector):
    return page.evaluate(f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
                         " return {x: r.x, y: r.y, right: r.right, bottom: r.bottom, width: r.width}; })()")


def overlaps(a, b):
    return a["x"] < b["right"] and b["x"] < a["right"] and a["y"] < b["bottom"] and b["y"] < a["bottom"]


def test_in_portrait_the_pad_fills_the_width_and_the_answer_fits_under_it(browser, team_server):
    page = open_kiosk(browser, team_server, viewport={"width": 768, "height": 1024}, has_touch=True)
    draw(page, SEVEN)
    page.wait_for_selector("#feedback[data-state='offered']", timeout=TIMEOUT)
    pad = box_of(page, "#pad-frame")
    assert pad["width"] >= 0.85 * 768, pad                       # it was 409 px, about half
    assert abs(pad["x"] - (768 - pad["right"])) <= 1, pad        # centred
    assert pad["right"] - pad["x"] == pytest.approx(pad["bottom"] - pad["y"], abs=1)   # square
    for selector in ("#answer", ".fb-right", ".fb-wrong", "#undo", "#clear", ".k-kept"):
        box = box_of(page, selector)
        assert box["y"] >= pad["bottom"] and box["bottom"] <= 1024 and box["x"] >= 0 and box["right"] <= 768, (
            selector, box, pad)
    for selector in (".fb-right", ".fb-wrong", "#undo", "#clear"):
        assert page.locator(selector).bounding_box()["height"] >= 56, selector
    assert page.evaluate("document.documentElement.scrollHeight") <= 1024
    page.context.close()


@pytest.mark.parametrize("viewport", [{"width": 1024, "height": 768}, {"width": 768, "height": 1024}],
                         ids=["landscape", "portrait"])
def test_undo_takes_back_a_slip_and_the_keypad_leaves_the_drawing_in_sight(browser, team_server, viewport):
    page = open_kiosk(browser, team_server, viewport=viewport, has_touch=True)
    undo = page.locator("#undo")
    assert undo.is_visible() and undo.is_disabled()
    draw(page, SEVEN)
    page.wait_for_selector("#feedback[data-state='offered']", timeout=TIMEOUT)
    ink = page.evaluate(INK)
    draw(page, [(0.2, 0.9), (0.8, 0.9)])                          # a slip under the 7
    page.wait_for_function("() => document.getElementById('answer').dataset.number !== '7'", timeout=TIMEOUT)
    assert page.evaluate(INK) > ink
    undo.click()                                                  # the slip goes, the 7 stays and is read again
    assert page.evaluate(INK) == ink
    page.wait_for_selector("#feedback[data-state='offered']", timeout=TIMEOUT)
    assert page.get_attribute("#answer", "data-number") == "7"

    page.click(".fb-wrong")
    page.wait_for_selector(".keypad-layer:not([hidden])")
    keypad = box_of(page, ".keypad")
    pad = box_of(page, "#pad-frame")
    assert not overlaps(keypad, pad), (keypad, pad)
    assert keypad["x"] >= 0 and keypad["right"] <= viewport["width"] and keypad["bottom"] <= viewport["height"], keypad
    centre = page.evaluate("(() => { const r = document.getElementById('pad').getBoundingClientRect();"
                           " return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).id; })()")
    assert centre == "pad"                                        # nothing over the drawing
    for key in ("1", "7", "back", "ok"):
        box = page.locator(f".key[data-key='{key}']").bounding_box()
        assert box["height"] >= 56 and box["width"] >= 56, (key, box)
    page.click(".key[data-key='7']")
    page.click(".key-cancel")                                     # back to the choice, the drawing kept
    page.wait_for_selector("#feedback[data-state='offered']")
    assert page.evaluate(INK) == ink
    undo.click()
    page.wait_for_selector("#answer[data-state='empty']")
    assert page.evaluate(INK) == 0 and undo.is_disabled()
    page.context.close()
