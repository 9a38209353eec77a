"""observe.stack: the VM and container stacks carry exactly the releases they are given."""

from __future__ import annotations

from minidocker.observe import stack


def test_releases_appear_where_measured():
    src = stack.stack_graph("6.18.0-host", "6.18.0-host", "6.1.0-guest").source
    assert "host kernel\n6.18.0-host" in src
    assert "guest kernel\n6.1.0-guest" in src
    assert "uname -r: 6.18.0-host" in src
    assert "same kernel" in src
    assert "hk -> vmm" in src and "hk -> eng" in src and "gk -> gapp" in src


def test_missing_measurements_are_not_guessed():
    src = stack.stack_graph("6.18.0-host", None, None).source
    assert src.count("not measured") == 2
    assert "same kernel" not in src
