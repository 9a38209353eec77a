"""The client: the `minidocker` CLI, APIClient (one method per Engine API endpoint) and its unix-socket transport (cf. docker/cli, docker-py)."""
