"""The one import of pyroute2 (rtnetlink: links, addresses, routes), with its logger quieted (cf. vishvananda/netlink in moby).

pyroute2 resets its logger to level 0 when imported, so under `minidockerd --debug` every netlink
message would be logged; we put it back to WARNING once, here.
"""

from __future__ import annotations

import logging

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

logging.getLogger("pyroute2").setLevel(logging.WARNING)

__all__ = ["IPRoute", "NetlinkError"]
