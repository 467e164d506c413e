"""Developer tools: set-up, the local process stack, and the test runner."""
