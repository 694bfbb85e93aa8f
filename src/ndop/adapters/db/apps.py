from django.apps import AppConfig


class RegistryStoreConfig(AppConfig):
    name = "ndop.adapters.db"
    label = "ndop"
    verbose_name = "National Data Opt-out registry"
    default_auto_field = "django.db.models.BigAutoField"
