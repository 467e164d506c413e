"""Tests of the social workers' dashboard."""
