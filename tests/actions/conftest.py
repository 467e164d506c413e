"""Action tests use the small knowledge base of tests/kb."""

from tests.kb.conftest import break_seed, kb_loaded, kb_session, seed_dir  # noqa: F401
