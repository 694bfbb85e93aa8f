"""Use-cases of the contact centre: staff accounts, sign-in, finding people, cases, approvals, letters."""
