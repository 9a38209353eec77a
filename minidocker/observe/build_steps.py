"""A build's steps read back from the classic builder's output, and build contexts written from a dict (cf. moby builder/dockerfile/evaluator.go's Step N/M lines).

`docker build` (classic builder) prints `Step N/M : INSTRUCTION`, then ` ---> Using cache` when the step
came from the build cache, and ` ---> <id>` with the image the step produced. `steps()` turns that
into one row per step, so a chapter can show which steps were cached and which were rebuilt.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

HEADERS = ["step", "instruction", "cache", "image"]


@dataclass
class Step:
    number: int
    instruction: str
    cached: bool
    image: str  # the 12-character id after the step's last ` ---> `
    ran: bool = False  # a RUN step that really started a container (` ---> Running in ...`)

    def row(self) -> list[str]:
        word = "Using cache" if self.cached else ("ran a container" if self.ran else "built")
        if self.number == 1:
            word = "base image"
        text = self.instruction if len(self.instruction) <= 70 else self.instruction[:69] + "…"
        return [str(self.number), text, word, self.image]


def steps(output: str) -> list[Step]:
    """The steps of one classic-builder output, in order."""
    out: list[Step] = []
    for line in output.splitlines():
        head = re.match(r"Step (\d+)/\d+ : (.*)", line)
        if head:
            out.append(Step(int(head.group(1)), head.group(2).strip(), False, ""))
        elif out and line.strip() == "---> Using cache":
            out[-1].cached = True
        elif out and line.strip().startswith("---> Running in "):
            out[-1].ran = True
        elif out and re.fullmatch(r"\s*---> [0-9a-f]{12}\s*", line):
            out[-1].image = line.split()[-1]
    return out


def rows(output: str) -> list[list[str]]:
    """steps() as table rows under HEADERS."""
    return [s.row() for s in steps(output)]


def cached_count(output: str) -> tuple[int, int]:
    """(steps served from the cache, steps after FROM)."""
    after_from = [s for s in steps(output) if s.number > 1]
    return sum(s.cached for s in after_from), len(after_from)


def write_context(directory: str | Path, files: dict[str, str]) -> Path:
    """Make directory hold exactly these files (name -> text): a build context, Dockerfile included."""
    directory = Path(directory)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def next_second() -> None:
    """Wait for the clock's next whole second: CREATED is kept in whole seconds and `images` sorts by it,
    so two images built in one second would be listed in an order of chance (their IDs)."""
    import time

    time.sleep(1 - time.time() % 1 + 0.01)


COLORS = {"base image": "#e9d5ff", "Using cache": "#bbf7d0", "ran a container": "#fde68a", "built": "#dbeafe"}


def graph(output: str, title: str = "build"):
    """The build as a chain of images, one per step, each the parent of the next; coloured by how the
    step was made (from the cache, by running a container, or written directly)."""
    import graphviz

    g = graphviz.Digraph(name=title, graph_attr={"rankdir": "TB", "label": title, "labelloc": "t"},
                         node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                                    "fontsize": "10"})
    prev = None
    for step in steps(output):
        number, text, how, image = step.row()
        text = text if len(text) <= 48 else text[:47] + "…"
        g.node(f"s{number}", f"Step {number}: {text}\n{how} ---> {image}", fillcolor=COLORS[how],
               role=how.replace(" ", "-"))
        if prev:
            g.edge(prev, f"s{number}", label="parent of")
        prev = f"s{number}"
    return g
