"""Modules the Rasa server loads: our tracker store and the gateway channel."""
