"""The contact centre portal for NHS staff."""
