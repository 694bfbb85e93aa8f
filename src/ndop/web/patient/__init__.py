"""The patient online service: "Manage your choice"."""
