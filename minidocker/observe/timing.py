"""Time repeated actions and plot the spread with matplotlib (for the chapters' start-up comparisons)."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def times(action: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of `runs` calls of action (monotonic clock)."""
    out = []
    for _ in range(runs):
        start = time.monotonic()
        action()
        out.append(time.monotonic() - start)
    return out


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def plot(series: dict[str, list[float]], title: str = "", log: bool = False):
    """A strip plot of each series (every run a dot, the median a bar), in milliseconds."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for i, (label, samples) in enumerate(series.items()):
        ms = [s * 1000 for s in samples]
        median = statistics.median(ms)
        ax.scatter([i] * len(ms), ms, alpha=0.7, zorder=3, color=f"C{i}")
        ax.bar(i, median, width=0.5, alpha=0.3, zorder=2, color=f"C{i}")
        # beside the bar's right edge, where no dot is (the dots stand on the bar's middle)
        ax.annotate(f"median\n{median:.0f} ms", (i + 0.25, median), xytext=(4, 0), textcoords="offset points",
                    ha="left", va="center")
    ax.set_xticks(range(len(series)), list(series))
    ax.set_xlim(-0.5, len(series) - 0.15)  # room on the right of the last bar for its label
    ax.set_ylabel("milliseconds" + (" (log scale)" if log else ""))
    highest = max(max(v) for v in series.values() if v) * 1000
    if log:
        ax.set_yscale("log")
        lowest = min(min(v) for v in series.values() if v) * 1000
        ax.set_ylim(bottom=lowest / 10, top=highest * 3)  # bars start a decade below the fastest run; room above
    else:
        ax.set_ylim(top=highest * 1.2)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)  # shown once, as this cell's value (not a second time by the inline backend)
    return fig
