"""The web upload page: an organisation's checker uploads a list and downloads the cleaned list."""
