"""Retry-After on 429/503 against the fake CBS server: seconds, HTTP dates, the cap."""

from __future__ import annotations

import email.utils
import time

import pytest

from etl.odata import Client, Unreachable, retry_after_seconds


def _client(**kw) -> tuple[Client, list[float]]:
    slept: list[float] = []
    return Client(retries=3, backoff=0.01, sleep=slept.append, **kw), slept


def test_retry_after_in_seconds_is_waited_for_then_the_page_loads(fake):
    fake.faults["84799NED/TableInfos"] = ["429 7", "503 2"]
    c, slept = _client()
    doc = c.get_json(f"{fake.base}/ODataApi/odata/84799NED/TableInfos", {"$format": "json"})
    assert doc["value"][0]["Identifier"] == "84799NED"
    assert slept == [7.0, 2.0]  # the server's wait, not the 0.01 s backoff
    assert c.requests_made == 3


def test_retry_after_as_http_date(fake):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    fake.faults["84799NED/TableInfos"] = [f"503 {when}"]
    c, slept = _client()
    c.get_json(f"{fake.base}/ODataApi/odata/84799NED/TableInfos")
    assert len(slept) == 1 and 27 <= slept[0] <= 30.5


def test_without_or_with_an_unreadable_header_the_backoff_applies(fake):
    fake.faults["84799NED/TableInfos"] = ["429", "429 soon"]
    c, slept = _client()
    c.get_json(f"{fake.base}/ODataApi/odata/84799NED/TableInfos")
    assert slept == [0.01, 0.02]


def test_a_wait_over_the_cap_stops_at_once(fake):
    fake.faults["84799NED/TableInfos"] = ["429 3600"]
    c, slept = _client(retry_after_cap=60)
    with pytest.raises(Unreachable, match="3600 seconden") as err:
        c.get_json(f"{fake.base}/ODataApi/odata/84799NED/TableInfos")
    assert "MSD_HTTP_RETRY_AFTER_MAX" in str(err.value)
    assert slept == [] and c.requests_made == 1


def test_the_cap_comes_from_the_environment_and_is_kept_by_fork(monkeypatch):
    monkeypatch.setenv("MSD_HTTP_RETRY_AFTER_MAX", "5")
    assert Client().retry_after_cap == 5.0
    assert Client(retry_after_cap=9).fork().retry_after_cap == 9


def test_parse_retry_after():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(" 0 ") == 0.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: at once
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2015 07:28:00 GMT").timestamp() - 90
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == pytest.approx(90.0)
    assert retry_after_seconds(None) is None and retry_after_seconds("later") is None
    assert retry_after_seconds("-5") is None
