"""Reaching a server: saved profiles and their secrets, TLS and SSH tunnels, the sessions that
pool connections per profile, profile import from other tools, and probing what a server is."""
