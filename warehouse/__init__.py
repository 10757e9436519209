"""warehouse: see docs/architecture.md."""
