"""Custom components for the Rasa NLU pipeline (referenced from config.yml)."""
