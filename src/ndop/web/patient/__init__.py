"""The patient online service, "Manage your choice": verify who you are, then view or change your choice."""
