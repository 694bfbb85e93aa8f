"""Pure domain code: no framework, no I/O. Everything here is testable with plain pytest."""
