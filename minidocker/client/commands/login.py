"""`minidocker login` and `logout` (cf. docker/cli cli/command/registry/login.go, logout.go)."""

from __future__ import annotations

import sys

from .. import auth

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def login_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-u", "--username", help="Username")
    p.add_argument("-p", "--password", help="Password or Personal Access Token (PAT)")
    p.add_argument("--password-stdin", action="store_true", help="Take the Password or PAT from stdin")
    p.add_argument("server", nargs="?", metavar="SERVER")


def login(cli: Any, a: argparse.Namespace) -> int:
    server = a.server or auth.INDEX_SERVER
    if a.password and a.password_stdin:
        cli.warn("--password and --password-stdin are mutually exclusive")
        return 1
    password = a.password
    if a.password_stdin:
        if not a.username:
            cli.warn("Must provide --username with --password-stdin")
            return 1
        password = sys.stdin.read().rstrip("\r\n")
    elif a.password:
        cli.warn("WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
    username = a.username
    if not username:
        if not sys.stdin.isatty():
            cli.warn("Error: Cannot perform an interactive login from a non TTY device")
            return 1
        username = input("Username: ").strip()
    if password is None:
        import getpass

        password = getpass.getpass("Password: ")
    result = cli.api._json("POST", "/auth", body={"username": username, "password": password,
                                                   "serveraddress": server})
    auth.store(server, username, password)
    print((result or {}).get("Status") or "Login Succeeded")
    return 0


def logout_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("server", nargs="?", metavar="SERVER")


def logout(cli: Any, a: argparse.Namespace) -> int:
    server = a.server or auth.INDEX_SERVER
    if not auth.forget(server):
        print(f"Not logged in to {server}")
        return 0
    print(f"Removing login credentials for {server}")
    return 0
