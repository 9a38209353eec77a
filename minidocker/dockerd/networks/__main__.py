"""`python -m minidocker.dockerd.networks cleanup|show`: remove or show this root's bridges, veths and iptables rules.

For test roots and notebooks that stopped their engine: the bridge and rules stay after dockerd
exits (as docker0 does), and only this removes them. The root is MINIDOCKER_ROOT, as everywhere.
"""

from __future__ import annotations

import sys

from ... import paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in (["cleanup"], ["show"]):
        print("usage: python -m minidocker.dockerd.networks cleanup|show", file=sys.stderr)
        return 2
    from .manager import NetworkManager

    mgr = NetworkManager(paths.state_dir() / "network")
    if args == ["cleanup"]:
        mgr.cleanup_instance()
    else:
        for record in mgr.catalog.all():
            print(f"{record['Name']:12} {record['Driver']:7} {record['Bridge'] or '-':16} {record['Subnet'] or '-'}")
        print(mgr.catalog.chains.dump())
    return 0


if __name__ == "__main__":
    sys.exit(main())
