"""Test helpers that ship with hf_sleep: a local Hub-compatible server for offline publishing tests."""

from hf_sleep.testing.hub_server import LocalHub, hub_client_env

__all__ = ["LocalHub", "hub_client_env"]
