"""Adapters: the only code that talks to Django's ORM, MESH, GOV.UK Notify or PDF libraries."""
