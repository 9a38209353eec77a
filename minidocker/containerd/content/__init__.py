"""The content store: sha256 blobs in an OCI image layout, verified on write (cf. containerd core/content)."""
