"""pull, push, search (cf. docker/cli cli/command/image/{pull,push}.go, registry/search.go)."""

from __future__ import annotations

import sys

from ..api.base import registry_auth
from ..api.images import normalize_for_pull, split_repo_tag
from ..formatting.progress import display_stream

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def _auth_for(reference: str) -> dict[str, str]:
    """X-Registry-Auth with what `login` stored for the reference's registry, `e30=` ({}) otherwise."""
    from .. import auth

    repo = reference[len("docker.io/"):] if reference.startswith("docker.io/") else reference
    return registry_auth(auth.credentials(auth.registry_of(repo)))


def pull_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all-tags", action="store_true", help="Download all tagged images in the repository")
    p.add_argument("-q", "--quiet", action="store_true", help="Suppress verbose output")
    p.add_argument("--platform", help="Set platform if server is multi-platform capable")
    p.add_argument("name", metavar="NAME[:TAG|@DIGEST]")


def pull(cli: Any, a: argparse.Namespace) -> int:
    _repo, tag = split_repo_tag(a.name)
    if not tag and not a.all_tags:
        print("Using default tag: latest")
    repo, tag = normalize_for_pull(a.name)
    query = {"fromImage": repo, "tag": None if a.all_tags else tag, "platform": a.platform}
    resp = cli.api.transport.open("POST", "/images/create", query, headers=_auth_for(repo))
    from ..streams import iter_json

    try:
        messages = iter_json(resp)
        if a.quiet:
            for msg in messages:
                if msg.get("errorDetail") or msg.get("error"):
                    display_stream([msg], sys.stdout, False)
        else:
            display_stream(messages, sys.stdout)
    finally:
        resp.close()
    sep = "@" if tag.startswith("sha256:") else ":"
    print(repo + ("" if a.all_tags else sep + tag))
    return 0


def push_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all-tags", action="store_true", help="Push all tags of an image to the repository")
    p.add_argument("-q", "--quiet", action="store_true", help="Suppress verbose output")
    p.add_argument("name", metavar="NAME[:TAG]")


def push(cli: Any, a: argparse.Namespace) -> int:
    repo, tag = split_repo_tag(a.name)
    if not tag and not a.all_tags:
        print("Using default tag: latest")
        tag = "latest"
    resp = cli.api.transport.open("POST", f"/images/{repo}/push", {"tag": None if a.all_tags else tag},
                                  headers=_auth_for(repo))
    from ..streams import iter_json

    try:
        messages = list(iter_json(resp)) if a.quiet else iter_json(resp)
        display_stream(messages if not a.quiet else [m for m in messages if m.get("error")], sys.stdout)
    finally:
        resp.close()
    if a.quiet:
        print(a.name)
    return 0


def search_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--filter", action="append", default=[], help="Filter output based on conditions provided")
    p.add_argument("--limit", type=int, help="Max number of search results")
    p.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    p.add_argument("term", metavar="TERM")


def search(cli: Any, a: argparse.Namespace) -> int:
    from ..formatting import table
    from ..formatting.text import ellipsis
    from .ps import filters_query

    results = cli.api._json("GET", "/images/search", {"filters": filters_query(a.filter), "limit": a.limit,
                                                      "term": a.term}, headers=registry_auth())
    rows = [["NAME", "DESCRIPTION", "STARS", "OFFICIAL"]]
    for r in results or []:
        desc = " ".join((r.get("description") or "").split())
        rows.append([r.get("name", ""), desc if a.no_trunc else ellipsis(desc, 45), str(r.get("star_count", 0)),
                     "[OK]" if r.get("is_official") else ""])
    table.write(rows)
    return 0
