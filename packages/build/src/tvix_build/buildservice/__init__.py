"""Build services: what runs a BuildRequest (a sandbox on this machine, a remote service)."""
