"""images, rmi, tag, history, image prune (cf. docker/cli cli/command/image/{list,remove,tag,history,prune}.go, formatter/image.go)."""

from __future__ import annotations

from ..errors import APIError
from ..formatting import table
from ..formatting.text import ellipsis, short_id
from ..formatting.units import ago, human_size
from .ps import filters_query

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def images_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="Show all images (default hides intermediate images)")
    p.add_argument("--digests", action="store_true", help="Show digests")
    p.add_argument("-f", "--filter", action="append", default=[], help="Filter output based on conditions provided")
    p.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    p.add_argument("-q", "--quiet", action="store_true", help="Only show image IDs")
    p.add_argument("--format", help="Format output: 'table', 'table TEMPLATE', 'json' or a Go template")
    p.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")


HEADERS = {"Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "ID": "IMAGE ID",
           "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS"}


def _rows(img: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(repository, tag, digest) rows of one image, as docker's image formatter expands them."""
    tags = [t for t in img.get("RepoTags") or [] if t != "<none>:<none>"]
    digests = [d for d in img.get("RepoDigests") or [] if d != "<none>@<none>"]
    by_repo: dict[str, list[str]] = {}
    for d in digests:
        repo, _, dig = d.partition("@")
        by_repo.setdefault(repo, []).append(dig)
    rows = []
    for t in tags:
        colon = t.rfind(":")
        repo, tag = (t[:colon], t[colon + 1:]) if colon > t.rfind("/") else (t, "<none>")
        rows.append((repo, tag, (by_repo.get(repo) or ["<none>"])[0]))
    if not rows:
        for repo, digs in by_repo.items():
            rows.append((repo, "<none>", digs[0]))
    return rows or [("<none>", "<none>", "<none>")]


def images(cli: Any, a: argparse.Namespace) -> int:
    filters = list(a.filter) + ([f"reference={a.reference}"] if a.reference else [])
    result = cli.transport.call("GET", "/images/json", {"all": "1" if a.all else None,
                                                         "filters": filters_query(filters)}).json()
    trunc = not a.no_trunc
    result = sorted(result, key=lambda img: img.get("Created", 0), reverse=True)  # newest first, as docker sorts
    if a.quiet:  # one id per row of the table, so an image with two tags is listed twice (as docker does)
        print("".join(short_id(img["Id"], trunc) + "\n" for img in result for _ in _rows(img)), end="")
        return 0
    if a.format and a.format != "table":
        import time

        from ..formatting import custom

        rows_f = [{"Repository": repo, "Tag": tag, "Digest": digest, "ID": short_id(img["Id"], trunc),
                   "CreatedSince": ago(img.get("Created", 0)),
                   "CreatedAt": time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(img.get("Created", 0))),
                   "Size": human_size(img.get("Size", 0), 3), "Containers": str(img.get("Containers", -1))}
                  for img in result for repo, tag, digest in _rows(img)]
        custom.write(a.format, rows_f, HEADERS)
        return 0
    header = ["REPOSITORY", "TAG"] + (["DIGEST"] if a.digests else []) + ["IMAGE ID", "CREATED", "SIZE"]
    rows = [header]
    for img in result:
        for repo, tag, digest in _rows(img):
            row = [repo, tag] + ([digest] if a.digests else [])
            rows.append(row + [short_id(img["Id"], trunc), ago(img.get("Created", 0)), human_size(img.get("Size", 0), 3)])
    table.write(rows)
    return 0


def rmi_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Force removal of the image")
    p.add_argument("--no-prune", action="store_true", help="Do not delete untagged parents")
    p.add_argument("images", nargs="+", metavar="IMAGE")


def rmi(cli: Any, a: argparse.Namespace) -> int:
    failed = False
    for name in a.images:
        try:
            for item in cli.api.remove_image(name, a.force, a.no_prune) or []:
                for key in ("Untagged", "Deleted"):
                    if item.get(key):
                        print(f"{key}: {item[key]}")
        except APIError as err:
            cli.warn(str(err))
            failed = True
    return 1 if failed else 0


def tag_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="SOURCE_IMAGE[:TAG]")
    p.add_argument("target", metavar="TARGET_IMAGE[:TAG]")


def tag(cli: Any, a: argparse.Namespace) -> int:
    from ..api.images import split_repo_tag

    repo, tag_ = split_repo_tag(a.target)
    if repo.startswith("docker.io/library/"):
        repo = repo[len("docker.io/library/"):]
    cli.api.tag(a.source, repo, tag_ or "latest")
    return 0


def history_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-H", "--human", default="true", help="Print sizes and dates in human readable format")
    p.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    p.add_argument("-q", "--quiet", action="store_true", help="Only show image IDs")
    p.add_argument("image", metavar="IMAGE")


def history(cli: Any, a: argparse.Namespace) -> int:
    entries = cli.api.history(a.image)
    trunc = not a.no_trunc
    ids = [e["Id"] if e.get("Id") == "<missing>" else short_id(e["Id"], trunc) for e in entries]
    if a.quiet:
        print("".join(i + "\n" for i in ids), end="")
        return 0
    rows = [["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]]
    for ident, e in zip(ids, entries):
        created_by = (e.get("CreatedBy") or "").replace("\t", " ")
        rows.append([ident, ago(e.get("Created", 0)), ellipsis(created_by, 45) if trunc else created_by,
                     human_size(e.get("Size", 0), 3), e.get("Comment", "")])
    table.write(rows)
    return 0


def prune_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="Remove all unused images, not just dangling ones")
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")
    p.add_argument("--filter", action="append", default=[], help="Provide filter values (e.g. \"until=<timestamp>\")")


def prune(cli: Any, a: argparse.Namespace) -> int:
    from .lifecycle import confirm

    warning = ("WARNING! This will remove all images without at least one container associated to them."
               if a.all else "WARNING! This will remove all dangling images.")
    if not a.force and not confirm(cli, warning):
        return 0
    filters = list(a.filter) + ([] if a.all else ["dangling=true"])
    result = cli.api._json("POST", "/images/prune", {"filters": filters_query(filters)})
    deleted = result.get("ImagesDeleted") or []
    if deleted:
        lines = []
        for item in deleted:
            for key in ("Untagged", "Deleted"):
                if item.get(key):
                    lines.append(f"{key.lower()}: {item[key]}")
        print("Deleted Images:\n" + "".join(line + "\n" for line in lines))
    print(f"Total reclaimed space: {human_size(result.get('SpaceReclaimed') or 0)}")
    return 0
