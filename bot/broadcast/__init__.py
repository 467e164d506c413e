"""Sending parent updates: the worker, one sender per channel, and the CLI."""
