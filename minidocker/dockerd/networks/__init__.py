"""dockerd's networking: bridge, veth pairs, IPAM, NAT and port publishing (cf. moby libnetwork, drivers/bridge).

One object, NetworkManager, owns every network resource of one engine instance (one MINIDOCKER_ROOT).
Kernel objects are named after paths.instance_name() so parallel roots never collide and Docker's own
docker0 / 172.17.0.0/16 may coexist:

    default bridge   "minidocker0" (system root) or "mdbr-<8hex>" (relocated root)
    subnet           the first free 10.99.N.0/24 (N = 0..255) not overlapping any host route/address,
                     chosen once and persisted; gateway .1 on the bridge
    iptables chains  MINIDOCKER[-<8hex>] (nat, DNAT of published ports), MINIDOCKER[-<8hex>]-POST
                     (nat, MASQUERADE), MINIDOCKER[-<8hex>]-FWD (filter, FORWARD accepts)
    netns files      paths.run_dir()/netns/<container id> (bind mounts of a network namespace)

API (all methods thread-safe; raise minidocker.errors.* with Docker's wording):

    from minidocker.dockerd.networks import NetworkManager
    mgr = NetworkManager(paths.state_dir() / "network")   # nothing touches the host yet
    mgr.restore()          # at dockerd start: re-read state, re-create bridge/chains if missing,
                           # re-reserve host ports; running containers' veths and rules are left alone
    settings = mgr.connect(container_id, mode="bridge", port_bindings=None, hostname="",
                           exposed_ports=None, publish_all=False)
        mode: "bridge" | "default" | "" (the default bridge network), "none" (lo only, up),
              "host" (no sandbox), "container:<id or unique id prefix>" (join that container's
              sandbox; dockerd resolves names), or a user-defined network name/id.
        port_bindings: HostConfig.PortBindings, {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]};
              HostPort "" picks a free port. publish_all (-P) publishes every exposed_ports key
              (Config.ExposedPorts, {"80/tcp": {}}) on a random port.
        -> a dict shaped like Docker's NetworkSettings: SandboxKey (the netns file to put in the OCI
           spec: linux.namespaces [{"type": "network", "path": SandboxKey}]; "" for host mode = no
           network namespace entry), IPAddress, Gateway, IPPrefixLen, MacAddress,
           Ports {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}, Networks {"bridge": {...}}.
        Idempotent: a second call returns the settings; an endpoint a crash left half-made is rebuilt.
    mgr.disconnect(container_id)   # removes DNAT rules, host ports, the netns file at once; the veth is
                                   # deleted on a thread (the kernel's ~25 ms RCU wait stays off
                                   # `run --rm`) and its address is released when it is gone;
                                   # unknown ids and second calls are no-ops
    mgr.wait_settled()             # wait for those background veth deletions (tests)
    mgr.settings(container_id)     # NetworkSettings of a connected container, None if not connected
    mgr.cleanup_instance()         # disconnects everything, deletes bridges and chains (test teardown);
                                   # also `MINIDOCKER_ROOT=... python -m minidocker.dockerd.networks cleanup`
    NetworkManager.stopped_settings()   # the NetworkSettings Docker shows for a container not running
    After restore(), dockerd should disconnect() every container it finds no longer running.

    Engine API side (dockerd/api/networks.py calls these):
    mgr.list_networks(filters) / mgr.inspect_network(ref, name_of) / mgr.create_network(body)
    mgr.remove_network(ref) / mgr.prune_networks(filters)

    from minidocker.dockerd.networks.ports import parse_publish, ps_ports
    parse_publish("127.0.0.1:8080:80/tcp") -> ("80/tcp", {"HostIp": "127.0.0.1", "HostPort": "8080"})
    ps_ports(settings) -> [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}]

    from minidocker.dockerd.networks.etcfiles import hosts_file, resolv_conf
    hosts_file(settings, hostname) -> text of /etc/hosts; resolv_conf() -> text of /etc/resolv.conf

Published ports use DNAT in PREROUTING and OUTPUT with route_localnet=1 on the bridge (so 127.0.0.1
works; hairpin mode on each bridge port and a MASQUERADE let containers use published ports too)
rather than a userland proxy: rules live in the kernel, so published ports keep working while
dockerd is down or restarting (live restore). dockerd still binds (without listening) each host port
so that a port in use is refused ("port is already allocated") and random ports never collide.
"""

from __future__ import annotations

__all__ = ["NetworkManager"]


def __getattr__(name: str):
    # Lazy: importing the package (for parse_publish, say) must not pull in pyroute2.
    if name == "NetworkManager":
        from .manager import NetworkManager

        return NetworkManager
    raise AttributeError(name)
