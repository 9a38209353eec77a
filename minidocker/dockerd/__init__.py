"""minidockerd: the Engine API server and the daemon behind it (cf. moby api/server and daemon/)."""
