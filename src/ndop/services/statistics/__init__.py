"""The statistics publication: compute from the registry's history, write the files, record it."""
