"""GET /stats and /api/stats: the team's view, behind the admin token; and the counting."""

import base64

import pytest

from tests.feedback.helpers import feedback_body
from tests.feedback.stores import app_with  # noqa: F401 - fixtures
from webapp.store import tally

TOKEN = "open-day-secret"


@pytest.fixture
def team(app_with, tmp_path, app):
    client = app_with(f"sqlite:///{tmp_path / 'feedback.sqlite3'}").test_client()
    app.config["ADMIN_TOKEN"] = TOKEN
    yield client
    app.config["ADMIN_TOKEN"] = None


def basic(password, user="team"):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize("path", ["/stats", "/api/stats", "/api/stats/drawings/1"])
def test_without_a_token_configured_the_team_pages_do_not_exist(client, path):
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"Authorization": "Bearer anything"}).status_code == 404


@pytest.mark.parametrize("path", ["/stats", "/api/stats", "/api/stats/drawings/1"])
def test_with_a_token_they_ask_for_it(team, path):
    for headers in ({}, {"Authorization": "Bearer wrong"}, basic("wrong"), {"Authorization": "Basic !!"},
                    {"Authorization": TOKEN}):
        response = team.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert team.get("/api/stats", headers={"Authorization": "Bearer wrong"}).get_json()["error"]


def test_the_token_opens_them_as_bearer_or_basic_password(team):
    assert team.get("/stats", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    page = team.get("/stats", headers=basic(TOKEN, user="anyone"))
    assert page.status_code == 200 and b"stats.js" in page.data


def test_the_stats_count_today_all_digits_and_show_the_latest_drawings(team):
    posted = [("7", "7"), ("1", "7"), ("41", "47"), ("?", "4"), ("12", "1")]
    ids = [team.post("/api/feedback", json=feedback_body("7", answer=a, label=b)).get_json()["id"] for a, b in posted]
    data = team.get("/api/stats", headers=basic(TOKEN)).get_json()
    assert data["all"]["drawings"] == data["today"]["drawings"] == 5
    assert data["all"]["right"] == 1 and data["all"]["digits"] == 6 and data["all"]["digits_right"] == 2
    sevens = data["per_digit"][7]
    assert sevens == {"digit": 7, "count": 3, "right": 1, "accuracy": 0.3333}
    counts = data["confusion"]["counts"]
    assert counts[7][1] == 2 and counts[4][4] == 1 and counts[4][10] == 1   # "?" is the last column
    assert data["confusion"]["other_length"] == 1
    assert [d["id"] for d in data["latest"]] == ids[::-1]
    newest = data["latest"][0]
    assert newest["label"] == "1" and newest["answer"] == "12" and newest["right"] is False
    image = team.get(newest["image"], headers=basic(TOKEN))
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    assert team.get("/api/stats/drawings/999999", headers=basic(TOKEN)).status_code == 404


def test_the_gallery_holds_the_latest_sixty(team):
    for _ in range(62):
        team.post("/api/feedback", json=feedback_body("1"))
    assert len(team.get("/api/stats", headers=basic(TOKEN)).get_json()["latest"]) == 60


def test_tally_on_nothing():
    assert tally.summary([])["accuracy"] is None
    assert tally.per_digit([])[0] == {"digit": 0, "count": 0, "right": 0, "accuracy": None}
    assert tally.confusion([])["other_length"] == 0
