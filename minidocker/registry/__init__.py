"""The Distribution API: a registry server and the client dockerd pulls and pushes with (cf. distribution/distribution)."""
