"""NHS login: the OpenID Connect client (Authlib)."""
