"""Clients of the remote services (YouTube, Zoom): the only modules that speak HTTP."""
