"""The bulk check: request formats, the streaming engine, the opt-out snapshot and check jobs."""
