"""The "[MI] National Data Opt-out" publication: counting rules, computed from the registry's history."""
