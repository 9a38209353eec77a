"""Read the live system (processes, namespaces, cgroups, layers) and draw it with graphviz."""
