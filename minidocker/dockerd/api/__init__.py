"""The Engine API surface of minidockerd: the route table and one module of handlers per noun (cf. moby api/server/router)."""
