"""The pathways knowledge base, and the database layer the whole app shares."""
