"""The register of organisations' data flows: a head row per flow, and append-only versions."""

from django.db import models

from ndop.adapters.db.models.organisations import Organisation


class PolicyFlow(models.Model):
    """A flow's identity and owner, plus a projection of its latest version for listing.

    The projection is updated with each new version; the versions themselves never change.
    """

    id = models.UUIDField(primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="policy_flows")
    latest_version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "policy_flow"
        indexes = [models.Index(fields=["organisation", "name"], name="policy_flow_org_name")]


class PolicyFlowVersion(models.Model):
    """One version of a flow: answers, decision, who decided and when. Append-only (migration 0007)."""

    flow = models.ForeignKey(PolicyFlow, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    answers = models.JSONField()
    decision = models.JSONField()
    applies = models.BooleanField()
    reason_code = models.CharField(max_length=60)
    decided_by = models.CharField(max_length=254)
    decided_at = models.DateTimeField()

    class Meta:
        db_table = "policy_flow_version"
        constraints = [models.UniqueConstraint(fields=["flow", "version"], name="policy_flow_version_unique")]
