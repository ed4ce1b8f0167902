"""Storage for the PCN register.

Everything that changes over time carries ``start`` and ``end`` dates (``end`` inclusive, ``None``
while current), so the register can be viewed as it stood on any past date.

* :class:`Organisation` - a region, ICB, sub-ICB location, place, PCN, practice or partner organisation.
* :class:`Parentage` - where an organisation sits (practice -> sub-ICB, PCN -> sub-ICB, sub-ICB -> ICB ...).
* :class:`Membership` - a practice's membership of a PCN, with its DES sign-up.
* :class:`Partnership` - a non-GP partner organisation linked to a PCN (core or wider).
* :class:`ListSize` / :class:`ListSizeBand` - registered, weighted and adjusted populations by date.
* :class:`ClinicalDirector`, :class:`Governance`, :class:`RuleException` - PCN governance.
* :class:`BandPolicy` - an area's list-size band for its networks (e.g. 30,000-70,000), from a date.
* :class:`OrganisationName` - the names an organisation had, by date (a map or configuration of each date).
* :class:`Succession` - a PCN carried on by another (new code, merger, split) from a date: lineage.
* :class:`ImportRun` - every import, with the file's checksum, so re-imports are recognised.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from pcnhub.domain.rules import Band


class OrgKind(models.TextChoices):
    REGION = "region", "NHS England region"
    ICB = "icb", "Integrated care board (ICS)"
    SUB_ICB = "sub_icb", "Sub-ICB location (former CCG)"
    PLACE = "place", "Place"
    PCN = "pcn", "Primary care network"
    PRACTICE = "practice", "GP practice"
    PARTNER = "partner", "Partner organisation"


class PartnerType(models.TextChoices):
    COMMUNITY = "community", "Community services"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SOCIAL_CARE = "social_care", "Social care"
    VOLUNTARY = "voluntary", "Voluntary sector"
    OTHER_PROVIDER = "other_provider", "Other provider"


def last_changed() -> models.DateTimeField:
    """When a row last changed (set on every save; bulk writes set it themselves): the FHIR API's
    ``meta.lastUpdated`` and ``_lastUpdated`` search."""
    return models.DateTimeField(auto_now=True, db_index=True, help_text="When this row last changed.")


class DatedQuerySet(models.QuerySet):
    """Rows valid on a date: ``start <= date`` (or no start) and ``end >= date`` (or no end)."""

    def on(self, date: dt.date | None):
        if date is None:
            return self
        return self.filter(Q(start__lte=date) | Q(start__isnull=True), Q(end__gte=date) | Q(end__isnull=True))


class Dated(models.Model):
    start = models.DateField(null=True, blank=True, help_text="First day this applies (blank: not known).")
    end = models.DateField(null=True, blank=True, help_text="Last day this applies (blank: still applies).")

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def applies_on(self, date: dt.date) -> bool:
        return (self.start is None or self.start <= date) and (self.end is None or self.end >= date)


class Organisation(models.Model):
    code = models.CharField(max_length=16, unique=True, help_text="ODS code, or a local code for unofficial bodies.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=OrgKind.choices, db_index=True)
    partner_type = models.CharField(max_length=20, choices=PartnerType.choices, blank=True)
    ons_code = models.CharField(max_length=12, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=300, blank=True)
    open_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, blank=True, help_text="ODS status (active, closed, dormant, proposed).")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="File or person the record came from.")
    updated = last_changed()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_open_on(self, date: dt.date) -> bool:
        return (self.open_date is None or self.open_date <= date) and (self.close_date is None or self.close_date >= date)


class OrganisationName(Dated):
    """A name an organisation had from ``start`` to ``end``, as the dated files (maps, configurations) give it:
    :attr:`Organisation.name` is the newest, whatever order the files were imported in."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=200, blank=True)
    updated = last_changed()

    class Meta:
        ordering = ["organisation", "start"]
        indexes = [models.Index(fields=["organisation", "start"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.start} to {self.end or 'now'})"


class Parentage(Dated):
    """An organisation's place in the geography: practice/PCN -> sub-ICB or place -> ICB -> region."""

    child = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="parentages")
    parent = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="child_links")
    source = models.CharField(max_length=200, blank=True)
    updated = last_changed()

    class Meta:
        ordering = ["child", "start"]
        indexes = [models.Index(fields=["parent", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.child.code} in {self.parent.code} {self.start or '…'} to {self.end or 'now'}"


class Membership(Dated):
    """A practice's membership of a PCN.

    ``des_signed`` is False for a practice that has not signed up to the Network Contract DES but
    whose patients are covered by the named PCN.
    """

    practice = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="member_links")
    des_signed = models.BooleanField(default=True, help_text="Signed up to the Network Contract DES.")
    source = models.CharField(max_length=200, blank=True)
    updated = last_changed()

    class Meta:
        ordering = ["practice", "start"]
        indexes = [models.Index(fields=["pcn", "start", "end"]), models.Index(fields=["practice", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.practice.code} in {self.pcn.code} {self.start or '…'} to {self.end or 'now'}"


class PartnerRole(models.TextChoices):
    CORE = "core", "Core partner"
    WIDER = "wider", "Wider partner"


class Partnership(Dated):
    partner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="partnerships")
    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="partner_links")
    role = models.CharField(max_length=8, choices=PartnerRole.choices, default=PartnerRole.WIDER)
    description = models.CharField(max_length=300, blank=True)
    updated = last_changed()

    class Meta:
        ordering = ["pcn", "role", "partner__name"]


class ListSize(models.Model):
    """Populations of an organisation on a date (the extract date of the source)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="list_sizes")
    date = models.DateField()
    registered = models.PositiveIntegerField(help_text="Registered list (patients registered at the practice).")
    weighted = models.FloatField(null=True, blank=True, help_text="Contractor weighted (Carr-Hill) list.")
    adjusted = models.FloatField(null=True, blank=True, help_text="PCN adjusted population.")
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation", "date"]
        constraints = [models.UniqueConstraint(fields=["organisation", "date"], name="one_list_size_per_org_date")]

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.date}: {self.registered}"


class ListSizeBand(models.Model):
    """Registered patients by sex and age band (five-year ``quinary`` or ``single`` year)."""

    class Scheme(models.TextChoices):
        QUINARY = "quinary", "Five-year age bands"
        SINGLE = "single", "Single year of age"

    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        ALL = "A", "All"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="list_size_bands")
    date = models.DateField()
    scheme = models.CharField(max_length=8, choices=Scheme.choices)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    age_band = models.CharField(max_length=8, help_text="'0_4', '95+', '37', ... as published.")
    age_from = models.PositiveSmallIntegerField(help_text="Lowest age in the band, for sorting.")
    patients = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation", "date", "scheme", "sex", "age_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "date", "scheme", "sex", "age_band"], name="one_band_per_org_date"
            )
        ]


class ClinicalDirector(Dated):
    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="clinical_directors")
    name = models.CharField(max_length=200)
    practice = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The Clinical Director's own practice, if any.",
    )

    class Meta:
        ordering = ["pcn", "start"]

    def __str__(self) -> str:
        return self.name


class DeliveryModel(models.TextChoices):
    LEAD_PRACTICE = "lead_practice", "Lead practice"
    FEDERATION = "federation", "GP federation"
    NHS_PROVIDER = "nhs_provider", "NHS provider"
    SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise"
    OTHER = "other", "Other"


class AgreementStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    DRAFT = "draft", "In draft"
    SIGNED = "signed", "Signed"


class Governance(Dated):
    """A PCN's governance arrangements from ``start`` (a new row when any of them changes)."""

    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="governance")
    nominated_payee = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The practice or provider that receives the network's funding.",
    )
    delivery_model = models.CharField(max_length=20, choices=DeliveryModel.choices, blank=True)
    network_agreement = models.CharField(
        max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.NOT_STARTED
    )
    network_agreement_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pcn", "start"]


class RuleException(Dated):
    """A commissioner-agreed exception: a breach of ``rule`` for this PCN is recorded, not an error."""

    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="rule_exceptions")
    rule = models.CharField(max_length=40)
    reason = models.TextField()
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    agreed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pcn", "rule", "start"]


class BandPolicy(Dated):
    """An area's policy on network list sizes from ``start``: its band, and whether the upper limit binds.

    Without one, networks are held to the DES band of 30,000-50,000, whose upper level is a suggestion (a
    warning); an area may set its own (Milton Keynes used networks of 30,000-70,000, seed 002) and make the
    upper limit a requirement.  A network is held to the policy of the nearest area above it that has one.
    """

    area = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="band_policies")
    lower = models.PositiveIntegerField(help_text="Smallest list size of a network (the DES's is 30,000).")
    upper = models.PositiveIntegerField(help_text="Largest list size of a network (the DES suggests 50,000).")
    upper_binds = models.BooleanField(
        default=False, help_text="A network above the upper limit breaks the policy (else it is a warning)."
    )
    reason = models.TextField(help_text="The decision and where it is recorded, e.g. a board paper.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(lower__lte=models.F("upper")), name="band_policy_lower_not_above_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.area.code}: {self.lower:,}-{self.upper:,}"

    @property
    def band(self) -> Band:
        return Band(self.lower, self.upper, self.upper_binds)


class Succession(models.Model):
    """``successor`` carries on (part of) ``predecessor`` from ``date``: a new code or name (continues), a
    merger or a split.  Inferred from memberships (:mod:`pcnhub.domain.lineage`) after each import, where the
    overlap is clear, or recorded by a commissioner where it is not (a recorded link is never replaced)."""

    class Kind(models.TextChoices):
        CONTINUES = "continues", "Continues as (new code or name)"
        MERGED = "merged", "Merged into"
        SPLIT = "split", "Split into"

    class Basis(models.TextChoices):
        INFERRED = "inferred", "Inferred from the practices that moved"
        RECORDED = "recorded", "Recorded by a commissioner"

    predecessor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="predecessions")
    date = models.DateField(help_text="The successor's first day.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.RECORDED)
    practices = models.PositiveIntegerField(null=True, blank=True, help_text="Practices that moved with it.")
    of_predecessor = models.PositiveIntegerField(null=True, blank=True)
    of_successor = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "predecessor__code", "successor__code"]
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor", "date"], name="one_succession")]

    def __str__(self) -> str:
        return f"{self.predecessor.code} {self.get_kind_display().lower()} {self.successor.code} from {self.date}"


class ImportRun(models.Model):
    """One import of one file: what, when, by whom and what it changed."""

    kind = models.CharField(max_length=40)
    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    extract_date = models.DateField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=150, blank=True)
    warnings = models.TextField(
        blank=True, help_text="What the import could not do, one line each (e.g. names not matched to the register)."
    )
    notes = models.TextField(blank=True, help_text="What else the import found, one line each (e.g. names matched).")

    class Meta:
        ordering = ["-imported_at"]
