"""Form validators and the questions forms ask that need more than a response."""
