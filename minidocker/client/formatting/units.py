"""The client's view of the shared go-units formatting (minidocker/units.py, used by dockerd too)."""

from ...units import ago, bytes_size, human_duration, human_size, parse_rfc3339

__all__ = ["ago", "bytes_size", "human_duration", "human_size", "parse_rfc3339"]
