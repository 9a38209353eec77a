"""Snapshotters: layers stacked as overlay mounts, in the key/name/parent vocabulary of containerd core/snapshots."""
