"""The registry's store: a Django app holding models, migrations and repositories."""
