"""Optional registry authentication: basic auth, or the bearer-token challenge flow (cf. distribution registry/auth/token).

With `--auth token`, a request without a valid token gets 401 and
`WWW-Authenticate: Bearer realm="http://HOST/token",service="minidocker-registry",scope="repository:NAME:pull,push"`;
the client fetches a token from /token (with basic credentials when users are configured) and retries
with `Authorization: Bearer <token>`. Tokens are HMAC-signed, short-lived, scoped to repositories.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time

from .errcodes import Unauthorized

SERVICE = "minidocker-registry"
TOKEN_SECONDS = 300


class Auth:
    """mode None (open), "basic" or "token"; users maps user -> password."""

    def __init__(self, mode: str | None = None, users: dict[str, str] | None = None) -> None:
        if mode not in (None, "basic", "token"):
            raise ValueError(f"unknown auth mode {mode!r}: use basic or token")
        self.mode, self.users, self.secret = mode, users or {}, os.urandom(32)

    def _basic_user(self, handler) -> str | None:
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        expected = self.users.get(user)
        return user if expected is not None and hmac.compare_digest(expected, password) else None

    def _challenge(self, handler, name: str | None):
        err = Unauthorized("authentication required")
        if self.mode == "basic":
            err.headers = {"WWW-Authenticate": f'Basic realm="{SERVICE}"'}
        else:
            host = handler.headers.get("Host") or "%s:%d" % handler.server.server_address[:2]
            scope = f',scope="repository:{name}:pull,push"' if name else ""
            err.headers = {"WWW-Authenticate": f'Bearer realm="http://{host}/token",service="{SERVICE}"{scope}'}
        return err

    def check(self, handler, name: str | None) -> None:
        if self.mode is None:
            return
        if self.mode == "basic":
            if self._basic_user(handler) is None:
                raise self._challenge(handler, name)
            return
        header = handler.headers.get("Authorization", "")
        claims = self._verify(header[7:]) if header.startswith("Bearer ") else None
        if claims is None or (name and name not in claims["repos"] and "*" not in claims["repos"]):
            raise self._challenge(handler, name)

    def issue(self, handler) -> dict:
        """GET /token?service=...&scope=repository:NAME:pull,push -> {"token", "access_token", "expires_in"}."""
        if self.users and self._basic_user(handler) is None:
            err = Unauthorized("authentication required")
            err.headers = {"WWW-Authenticate": f'Basic realm="{SERVICE}"'}
            raise err
        scopes = handler.query.get("scope", "")
        repos = [s.split(":")[1] for s in scopes.split() if s.startswith("repository:") and s.count(":") >= 2]
        body = base64.urlsafe_b64encode(json.dumps({"repos": repos or ["*"], "exp": time.time() + TOKEN_SECONDS}).encode()).decode()
        token = body + "." + hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()
        return {"token": token, "access_token": token, "expires_in": TOKEN_SECONDS,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def _verify(self, token: str) -> dict | None:
        body, _, sig = token.partition(".")
        if not hmac.compare_digest(hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest(), sig):
            return None
        claims = json.loads(base64.urlsafe_b64decode(body))
        return claims if claims["exp"] > time.time() else None
