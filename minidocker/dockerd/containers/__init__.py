"""dockerd's containers: records, their state machine, OCI spec building, stdio, logs and views (cf. moby container/)."""
