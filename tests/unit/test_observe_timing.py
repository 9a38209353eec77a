"""observe.timing: repeated timings and their plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from minidocker.observe import timing  # noqa: E402


def test_times_counts_runs_and_measures():
    calls = []
    samples = timing.times(lambda: calls.append(1), 4)
    assert len(samples) == 4 == len(calls) and all(s >= 0 for s in samples)
    assert timing.median([3.0, 1.0, 2.0]) == 2.0


def test_plot_has_one_column_per_series():
    fig = timing.plot({"a": [0.1, 0.2], "b": [2.0]}, title="t", log=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert ax.get_yscale() == "log" and ax.get_title() == "t"
    assert any("2000 ms" in t.get_text() for t in ax.texts)
