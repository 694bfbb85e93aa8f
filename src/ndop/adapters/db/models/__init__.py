"""Tables, one module per area. Import new modules here so Django finds them."""

from ndop.adapters.db.models.audit import AuditEvent, AuditHead
from ndop.adapters.db.models.check import CheckJob
from ndop.adapters.db.models.check_channels import MeshRequest, OrganisationApiKey, OrganisationCheckLimits, StoredCheck
from ndop.adapters.db.models.contact_centre import ContactCase, Letter, StaffAccount, StaffRecoveryCode
from ndop.adapters.db.models.gp_codes import GpCode, GpImport, GpType1, GpType2Conversion
from ndop.adapters.db.models.jobs import JobLease, ScheduledRun
from ndop.adapters.db.models.online import OnlineFailure, OnlineGuard, OutboxMessage, SecurityCode
from ndop.adapters.db.models.organisation_users import OrganisationUser
from ndop.adapters.db.models.organisations import Organisation
from ndop.adapters.db.models.policy import PolicyFlow, PolicyFlowVersion
from ndop.adapters.db.models.registry import ChoiceEvent, CurrentChoice, Patient, RegistryCounter
from ndop.adapters.db.models.statistics import StatisticsPublication

__all__ = [
    "AuditEvent",
    "AuditHead",
    "CheckJob",
    "ChoiceEvent",
    "ContactCase",
    "CurrentChoice",
    "GpCode",
    "GpImport",
    "GpType1",
    "GpType2Conversion",
    "JobLease",
    "Letter",
    "MeshRequest",
    "OnlineFailure",
    "OnlineGuard",
    "Organisation",
    "OrganisationApiKey",
    "OrganisationCheckLimits",
    "OrganisationUser",
    "OutboxMessage",
    "Patient",
    "PolicyFlow",
    "PolicyFlowVersion",
    "RegistryCounter",
    "ScheduledRun",
    "SecurityCode",
    "StaffAccount",
    "StaffRecoveryCode",
    "StatisticsPublication",
    "StoredCheck",
]
