"""Pull, push, search and login: dockerd as a registry client (cf. moby distribution/, registry/)."""
