"""The public statistics page: the publications, their charts with tables, downloads, methodology."""
