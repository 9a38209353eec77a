"""The stats columns: docker's CPU %, memory without the inactive page cache, network and block I/O sums."""

from __future__ import annotations

from minidocker.client.commands.stats import row


def test_row_arithmetic() -> None:
    sample = {
        "id": "ab" * 32, "name": "/web",
        "cpu_stats": {"cpu_usage": {"total_usage": 3_000_000}, "system_cpu_usage": 120_000_000, "online_cpus": 2},
        "precpu_stats": {"cpu_usage": {"total_usage": 1_000_000}, "system_cpu_usage": 100_000_000},
        "memory_stats": {"usage": 3 * 1024 * 1024, "limit": 64 * 1024 * 1024,
                         "stats": {"total_inactive_file": 1024 * 1024}},
        "networks": {"eth0": {"rx_bytes": 1500, "tx_bytes": 500}, "eth1": {"rx_bytes": 500, "tx_bytes": 0}},
        "blkio_stats": {"io_service_bytes_recursive": [{"op": "Read", "value": 4096}, {"op": "Write", "value": 8192},
                                                       {"op": "Total", "value": 12288}]},
        "pids_stats": {"current": 3},
    }
    assert row(sample) == ["abababababab", "web", "20.00%", "2MiB / 64MiB", "3.12%", "2kB / 500B",
                           "4.1kB / 8.19kB", "3"]


def test_missing_readings_count_as_zero_as_docker_does() -> None:
    sample = {"id": "c" * 64, "name": "/x", "cpu_stats": {"cpu_usage": {"total_usage": 5}, "system_cpu_usage": 9},
              "precpu_stats": {}, "memory_stats": {}, "pids_stats": {}}
    assert row(sample)[2:] == ["55.56%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"]  # 5/9 of one CPU
    sample["cpu_stats"]["system_cpu_usage"] = 0
    assert row(sample)[2] == "0.00%"
