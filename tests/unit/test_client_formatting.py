"""Output shapes: go-units sizes and durations, docker's tables, ports, ellipsis, templates (rules from go-units, text/tabwriter and docker/cli)."""

from __future__ import annotations

import pytest

from minidocker.client.formatting import table
from minidocker.client.formatting.ports import displayable_ports
from minidocker.client.formatting.text import container_names, ellipsis, go_quote, short_id
from minidocker.client.formatting.units import ago, bytes_size, human_duration, human_size, parse_rfc3339


@pytest.mark.parametrize("size, precision, text", [
    (0, 4, "0B"), (999, 4, "999B"), (1000, 4, "1kB"), (1024, 4, "1.024kB"), (1982333, 4, "1.982MB"),
    (1982333, 3, "1.98MB"), (4260000, 3, "4.26MB"), (10 ** 9, 4, "1GB"), (1234567890123, 4, "1.235TB"),
])
def test_human_size_is_decimal_with_significant_digits(size: int, precision: int, text: str) -> None:
    assert human_size(size, precision) == text


def test_bytes_size_is_binary() -> None:
    assert bytes_size(1024) == "1KiB"
    assert bytes_size(25276502016) == f"{25276502016 / 1024 ** 3:.4g}GiB"


@pytest.mark.parametrize("seconds, text", [
    (0.5, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"),
    (119, "About a minute"), (120, "2 minutes"), (3599, "59 minutes"), (3600, "About an hour"),
    (5400, "2 hours"), (47 * 3600, "47 hours"), (48 * 3600, "2 days"), (14 * 86400, "2 weeks"),
    (60 * 86400, "2 months"), (800 * 86400, "2 years"),
])
def test_human_duration_follows_go_units(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_ago_and_rfc3339() -> None:
    assert ago(1000, now=1000 + 180) == "3 minutes ago"
    assert parse_rfc3339("1970-01-01T00:01:40.5Z") == pytest.approx(100.5)
    assert parse_rfc3339("0001-01-01T00:00:00Z") == 0.0
    assert parse_rfc3339("1970-01-01T01:00:00+01:00") == 0.0


def test_table_pads_to_the_widest_cell_plus_three_at_least_ten_and_leaves_the_last_cell() -> None:
    text = table.render([["A", "LONGER HEADER", "LAST"], ["wide-cell-here", "x", "y"]])
    lines = text.splitlines()
    assert lines[0] == "A".ljust(17) + "LONGER HEADER".ljust(16) + "LAST"
    assert lines[1] == "wide-cell-here".ljust(17) + "x".ljust(16) + "y"
    assert table.render([["a", "b"]]) == "a".ljust(10) + "b\n"


def test_table_counts_characters_not_bytes() -> None:
    lines = table.render([["héllo…", "x"], ["ab", "y"]]).splitlines()
    assert lines[0].index("x") == lines[1].index("y") == 10


@pytest.mark.parametrize("ports, text", [
    ([], ""),
    ([{"PrivatePort": 80, "Type": "tcp"}], "80/tcp"),
    ([{"PrivatePort": 80, "Type": "tcp"}, {"PrivatePort": 81, "Type": "tcp"}, {"PrivatePort": 53, "Type": "udp"}],
     "53/udp, 80-81/tcp"),
    ([{"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
      {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}],
     "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"),
    ([{"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": 80, "Type": "tcp"}], "127.0.0.1:80->80/tcp"),
])
def test_ports_column(ports: list, text: str) -> None:
    assert displayable_ports(ports) == text


def test_short_forms() -> None:
    assert short_id("sha256:" + "a" * 64) == "a" * 12
    assert short_id("sha256:" + "a" * 64, trunc=False) == "sha256:" + "a" * 64
    assert ellipsis("sh -c 'echo started; echo'", 20) == "sh -c 'echo started…"
    assert ellipsis("short", 20) == "short"
    assert go_quote('say "hi"\n') == '"say \\"hi\\"\\n"'
    assert container_names(["/web", "/other/alias"]) == "web"
    assert container_names(["/web", "/other/alias"], trunc=False) == "web,other/alias"
