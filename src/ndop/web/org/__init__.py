"""Pages for people who act for an organisation: sign-in, and the parts they may use."""
