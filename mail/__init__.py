"""Email: rendering from templates, the outbox, and its delivery."""
