"""The classic Dockerfile builder: one layer per step, the build cache (cf. moby builder/dockerfile)."""
