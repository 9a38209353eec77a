"""A rootless engine: the daemons of an ordinary user in a user namespace of their own (cf. rootlesskit, dockerd-rootless.sh)."""
