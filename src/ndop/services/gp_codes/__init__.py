"""Use-cases of GP codes: import an extract, convert Type 2, count for monitoring."""
