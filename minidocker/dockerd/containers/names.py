"""Container names: validation, and random adjective_scientist names for unnamed containers (cf. moby daemon/names.go, pkg/namesgenerator).

The word lists are our own (scientists and engineers whose work underlies containers and operating systems),
shaped like Docker's so that `docker ps` looks familiar.
"""

from __future__ import annotations

import random
import re

from ...errors import InvalidArgument

VALID_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

ADJECTIVES = [
    "agile", "bold", "brave", "bright", "calm", "careful", "clever", "cool", "curious", "daring",
    "eager", "elegant", "fervent", "focused", "gentle", "happy", "hopeful", "keen", "kind", "lucid",
    "modest", "nimble", "patient", "quiet", "quirky", "relaxed", "serene", "sharp", "steady", "sweet",
    "tender", "tidy", "vibrant", "wise", "witty", "zealous",
]
SURNAMES = [
    "babbage", "backus", "bell", "bosworth", "cerf", "corbato", "dijkstra", "engelbart", "hamilton",
    "hopper", "kahn", "kay", "kernighan", "knuth", "lamport", "liskov", "lovelace", "mccarthy",
    "milner", "neumann", "perlman", "pike", "ritchie", "shannon", "sutherland", "tanenbaum",
    "thompson", "torvalds", "turing", "wilkes", "wirth", "wozniak",
]


def validate(name: str) -> str:
    """The name with its leading '/', or InvalidArgument with docker's message."""
    if not VALID_NAME.match(name):
        raise InvalidArgument(f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    return name if name.startswith("/") else "/" + name


def generate(taken) -> str:
    """A free random name like /bold_turing (a digit is appended after collisions, as Docker does)."""
    for attempt in range(20):
        name = f"/{random.choice(ADJECTIVES)}_{random.choice(SURNAMES)}"
        if attempt:
            name += str(random.randint(0, 9))
        if name not in taken:
            return name
    return f"/{random.choice(ADJECTIVES)}_{random.choice(SURNAMES)}{random.randint(10, 99999)}"
