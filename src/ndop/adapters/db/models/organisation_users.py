"""The people who act for an organisation: a Django user (its password hash) plus organisation and role."""

from django.conf import settings
from django.db import models

from ndop.adapters.db.models.organisations import Organisation


class OrganisationUser(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organisation_user")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "organisation_user"
