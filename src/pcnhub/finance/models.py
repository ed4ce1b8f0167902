"""Storage for network money.

* :class:`RateOverride` - a commissioner's rate for one payment of one year in their ICB (history kept:
  the latest row of an ICB, year and payment is the one in force; a row without a rate withdraws it).
* :class:`CareHomeBeds` - CQC-registered beds in the care homes aligned to a PCN, by year (care home premium).
* :class:`ArrsPost` / :class:`ArrsClaim` - a PCN's ARRS workforce plan and the monthly claims against it.
* :class:`AccessSession` - one staff session of a PCN's weekly access plan.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from pcnhub.register.models import Organisation

YEAR_HELP = "Financial year, written 2023/24."


class RateOverride(models.Model):
    icb = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="rate_overrides")
    year = models.CharField(max_length=7, help_text=YEAR_HELP)
    payment = models.CharField(max_length=40, help_text="Payment key in the rates catalogue.")
    rate = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True,
                               validators=[MinValueValidator(0)],
                               help_text="GBP per unit of the payment's basis; blank withdraws the override.")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["icb", "year", "payment"])]

    def __str__(self) -> str:
        return f"{self.icb.code} {self.year} {self.payment} = {self.rate}"


class CareHomeBeds(models.Model):
    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="care_home_beds")
    year = models.CharField(max_length=7, help_text=YEAR_HELP)
    beds = models.PositiveIntegerField(help_text="CQC-registered beds in the care homes aligned to the PCN.")
    homes = models.PositiveIntegerField(null=True, blank=True, help_text="Number of aligned care homes.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pcn", "year"], name="care_home_beds_once_a_year")]

    def __str__(self) -> str:
        return f"{self.pcn.code} {self.year}: {self.beds} beds"


class Employment(models.TextChoices):
    EMPLOYED = "employed", "Employed by the PCN or a member practice"
    SUB_CONTRACT = "sub-contract", "Sub-contracted"


class ArrsPost(models.Model):
    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="arrs_posts")
    role = models.CharField(max_length=60, help_text="Role key in the ARRS roles catalogue.")
    label = models.CharField(max_length=120, blank=True, help_text="Post title or holder, as the PCN knows it.")
    fte = models.DecimalField(max_digits=5, decimal_places=2, validators=[MinValueValidator(0.01)],
                              help_text="Whole-time equivalent, e.g. 0.8.")
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Blank while the post continues.")
    annual_cost = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)],
                                      help_text="Actual salary plus on-costs a year, for this post at its FTE.")
    employment = models.CharField(max_length=20, choices=Employment.choices, default=Employment.EMPLOYED)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "role", "id"]

    def __str__(self) -> str:
        return f"{self.pcn.code} {self.role} {self.fte} WTE from {self.start}"


class ArrsClaim(models.Model):
    post = models.ForeignKey(ArrsPost, on_delete=models.CASCADE, related_name="claims")
    month = models.DateField(help_text="First day of the month claimed for.")
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["month", "post_id"]
        constraints = [models.UniqueConstraint(fields=["post", "month"], name="one_claim_per_post_month")]

    def __str__(self) -> str:
        return f"{self.post} {self.month:%Y-%m}: {self.amount}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AccessSession(models.Model):
    pcn = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="access_sessions")
    day = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()
    site = models.CharField(max_length=120)
    staff_type = models.CharField(max_length=60)
    agreed = models.BooleanField(default=False, help_text="Commissioner has agreed this session outside the standard hours.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "start", "site", "id"]

    def __str__(self) -> str:
        return f"{self.pcn.code} {self.get_day_display()} {self.start:%H:%M}-{self.end:%H:%M} {self.site}"
