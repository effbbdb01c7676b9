"""The insights page over real HTTP: `python -m bot console` reading a seeded tracker database.

A content owner sees every chart (inline SVG) with its table and downloads the CSV files; an
agent without the role gets 403 for the page and the files; bad filters get a 400 with the
reason, never a 500. The figures themselves are checked in test_insights_figures.py.
"""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
import requests

from tests.integration import insights_data
from tests.integration.console import (
    add_agent,
    agent_command,
    console_env,
    sign_in,
)

PERIOD = {"from": "2026-03-02", "to": "2026-03-10"}
CHARTS = 9  # days (2), weeks (2), topics, helpfulness, ratings, misunderstood, hours
SECTIONS = ("days", "weeks", "topics", "helpfulness", "ratings", "misunderstood", "hours")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    var_dir = tmp_path_factory.mktemp("insights")
    trackers = f"sqlite:///{var_dir / 'trackers.db'}"
    insights_data.seed(trackers)
    return console_env(var_dir, f"sqlite:///{var_dir / 'assistant.db'}", tracker_store_url=trackers)


def signed_in(env, console, sessions, *, content_owner: bool) -> requests.Session:
    name = f"agent{uuid.uuid4().hex[:8]}"
    add_agent(env, name, "Insights Reader")
    if content_owner:
        done = agent_command(env, "grant-content-owner", name)
        assert done.returncode == 0, done.stderr
    http = requests.Session()
    sign_in(http, console, name, None, sessions)
    return http


@pytest.fixture(scope="module")
def owner(env, console, sessions) -> requests.Session:
    return signed_in(env, console, sessions, content_owner=True)


@pytest.fixture(scope="module")
def agent(env, console, sessions) -> requests.Session:
    return signed_in(env, console, sessions, content_owner=False)


def test_a_content_owner_sees_every_chart_and_table(owner, console) -> None:
    page = owner.get(console.url("/insights"), params=PERIOD)
    assert page.status_code == 200
    html = page.text
    charts = re.findall(r"<svg [^>]*>.*?</svg>", html, flags=re.S)
    assert len(charts) == CHARTS
    for chart in charts:
        assert 'role="img"' in chart and "aria-labelledby=" in chart
        assert re.search(r"<title id=\"[^\"]+\">[^<]+</title>", chart)
    for name in SECTIONS:
        assert f'id="{name}-table"' in html
        assert f"/insights/{name}.csv?" in html
    assert "ændre telefon" in html  # the top misunderstood message, lower-cased
    assert "Review queue:" in html and 'href="/review"' in html
    assert ">Insights</a>" in html  # the header's link for content owners
    assert "style=" not in html  # the CSP allows no inline styles


def test_the_default_period_answers_too(owner, console) -> None:
    page = owner.get(console.url("/insights"))
    assert page.status_code == 200 and page.text.count("<svg ") == CHARTS


def test_csv_files_hold_the_tables(owner, console) -> None:
    answer = owner.get(console.url("/insights/days.csv"), params=PERIOD)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:3] == ["Day", "Conversations", "Messages"]
    assert rows[1][:7] == ["2026-03-02", "3", "7", "6", "2", "1", "0"]
    assert rows[1][7] == "0.6667"  # containment, as a share
    assert len(rows) == 1 + 9
    hours = list(
        csv.reader(io.StringIO(owner.get(console.url("/insights/hours.csv"), params=PERIOD).text))
    )
    assert hours[1][0] == "Monday" and hours[1][1 + 9] == "3"
    danish = owner.get(console.url("/insights/weeks.csv"), params={**PERIOD, "language": "da"})
    assert [row[2] for row in csv.reader(io.StringIO(danish.text))][1:] == ["1", "1"]


def test_an_agent_without_the_role_gets_403(agent, console) -> None:
    assert agent.get(console.url("/insights"), params=PERIOD).status_code == 403
    assert agent.get(console.url("/insights/days.csv"), params=PERIOD).status_code == 403
    assert ">Insights</a>" not in agent.get(console.url("/tickets")).text


def test_signed_out_visitors_are_sent_to_sign_in(console) -> None:
    answer = requests.get(console.url("/insights/misunderstood.csv"), allow_redirects=False)
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"from": "2026-03-10", "to": "2026-03-01"}, "starts"),
        ({"from": "last tuesday"}, "is not a date"),
        ({"to": "2026-13-01"}, "is not a date"),
        ({"channel": "carrier-pigeon"}, "Unknown channel"),
        ({"language": "<script>"}, "Unknown language"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "at most"),
    ],
)
def test_bad_filters_get_a_400_with_the_reason(owner, console, params, reason) -> None:
    page = owner.get(console.url("/insights"), params=params)
    assert page.status_code == 400
    assert reason in page.text and "<svg" not in page.text
    assert "<script>" not in page.text  # the bad value is shown escaped
    assert 'name="from"' in page.text  # the form is back, to correct it
    download = owner.get(console.url("/insights/days.csv"), params=params)
    assert download.status_code == 400 and reason in download.text


def test_an_unknown_file_is_404(owner, console) -> None:
    assert owner.get(console.url("/insights/secrets.csv")).status_code == 404
