"""Use-cases, one module each. They take a `Registry` (unit of work) and record their audit event
in the same transaction as their write."""
