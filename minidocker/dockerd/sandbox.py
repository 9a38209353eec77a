"""A container's network and the files Docker bind-mounts into it: /etc/hosts, /etc/hostname, /etc/resolv.conf (cf. moby daemon/container_operations.go).

The networking service (dockerd/networks) makes the sandbox; this mixin asks it at start and releases
it at exit. With --network host there is no sandbox and the host's files are copied.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from ..errors import Conflict

from .containers.record import Container, write_atomic
from .embedded_dns import EmbeddedDnsMixin, embedded_resolv_conf, uses_embedded_dns
from .netconnect import NetworkConnectMixin


def _host_resolv_conf() -> str:
    try:
        return open("/etc/resolv.conf").read()
    except OSError:
        return ""

log = logging.getLogger("minidockerd.sandbox")


class SandboxMixin(NetworkConnectMixin, EmbeddedDnsMixin):
    def _connect_network(self, c: Container) -> str | None:
        """The netns path for the spec ("" = the host's, None = a fresh one)."""
        mode = c.host_config.get("NetworkMode") or "default"
        if mode == "host":
            c.network_settings = {"Networks": {"host": {}}}
            return ""
        if mode.startswith("container:"):  # the networking service knows ids: resolve a name as Docker does
            other = self.containers.get(mode.split(":", 1)[1])
            if not other.state.running:
                raise Conflict(f"cannot join network of a non running container: {other.id}")
            mode = f"container:{other.id}"
        try:
            settings = self.connect_all(c, mode)
        except ImportError:
            if mode not in ("none", "default", "bridge"):
                raise
            c.network_settings = {"Networks": {"none": {}}}
            return None
        c.network_settings = settings or {}
        self.dns_serve(c)
        return (settings or {}).get("SandboxKey") or None

    def _disconnect_network(self, c: Container) -> None:
        if (c.host_config.get("NetworkMode") or "") == "host":
            return
        try:
            self.dns_forget(c)
            self.networks.disconnect(c.id)
            self.disconnected_all(c)
        except ImportError:
            pass
        except Exception:  # noqa: BLE001 - never let cleanup hide the exit
            log.exception("network disconnect of %s failed", c.id[:12])

    def _write_etc_files(self, c: Container) -> None:
        c.dir.mkdir(parents=True, exist_ok=True)
        hostname = c.config.get("Hostname") or c.id[:12]
        mode = c.host_config.get("NetworkMode") or "default"
        if mode == "host":
            hosts = open("/etc/hosts", "rb").read()
            hostname_text = open("/etc/hostname", "rb").read() if os.path.exists("/etc/hostname") else b""
        else:
            hosts = self._hosts_text(c, hostname).encode()
            hostname_text = (hostname + "\n").encode()
        # Made anew from the record at every start, so not fsync'ed (durable=False): a crash loses nothing
        # the next start does not rewrite (moby's etchosts.Build writes with a plain os.WriteFile).
        write_atomic(c.dir / "hostname", hostname_text, durable=False)
        write_atomic(c.dir / "hosts", hosts, durable=False)
        resolv = self._resolv_text(mode)
        if mode != "host" and uses_embedded_dns(c):
            resolv = embedded_resolv_conf(_host_resolv_conf())
        write_atomic(c.dir / "resolv.conf", resolv.encode(), durable=False)

    def _hosts_text(self, c: Container, hostname: str) -> str:
        try:
            from .networks.etcfiles import hosts_file

            return hosts_file(c.network_settings or {}, hostname)
        except ImportError:
            return (f"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
                    f"ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")

    @staticmethod
    def _resolv_text(mode: str) -> str:
        try:
            from .networks.etcfiles import resolv_conf

            return resolv_conf()
        except ImportError:
            try:
                return open("/etc/resolv.conf").read()
            except OSError:
                return "nameserver 8.8.8.8\n"

    @staticmethod
    def _etc_mounts(c: Container) -> list[dict[str, Any]]:
        taken = {m["Destination"] for m in c.mount_points}
        # read-only with the root filesystem, as moby's container.NetworkMounts (Writable: !ReadonlyRootfs)
        mode = ["ro"] if c.host_config.get("ReadonlyRootfs") else []
        out = []
        for name in ("resolv.conf", "hostname", "hosts"):
            dest = f"/etc/{name}"
            if dest not in taken:
                out.append({"destination": dest, "type": "bind", "source": str(c.dir / name),
                            "options": ["rbind", "rprivate", *mode]})
        return out

