"""Output shaped like the docker CLI's: tables, sizes, durations, ports, progress streams (cf. docker/cli cli/command/formatter)."""
