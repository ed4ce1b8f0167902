"""Grants of patient-level data (administrators record and revoke them) and the audit log (read only)."""

from django.contrib import admin
from django.utils import timezone

from pcnhub.phm.models import AuditAction, AuditEvent, PatientDataGrant


@admin.register(PatientDataGrant)
class PatientDataGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "granted_by", "granted_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "organisation__code", "organisation__name")
    raw_id_fields = ("user", "organisation")
    fields = ("user", "organisation", "reason", "revoked_at", "granted_by", "granted_at")
    readonly_fields = ("granted_by", "granted_at")

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the grant stays on record

    def save_model(self, request, obj, form, change):
        before = PatientDataGrant.objects.filter(pk=obj.pk).first() if change else None
        was_active = before is not None and before.is_active
        moved = before is not None and before.organisation_id != obj.organisation_id
        if not change or (obj.is_active and (not was_active or moved)):
            obj.granted_by = request.user
            obj.granted_at = timezone.now()
        super().save_model(request, obj, form, change)
        if obj.is_active and (not was_active or moved):
            AuditEvent.record(request, AuditAction.GRANT, obj.organisation, filters={"grantee": obj.user.get_username(),
                                                                                     "reason": obj.reason[:200]})
        elif was_active and not obj.is_active:
            AuditEvent.record(request, AuditAction.REVOKE, obj.organisation,
                              filters={"grantee": obj.user.get_username()})


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only, even for administrators: events are written by the worklist pages, never by hand."""

    list_display = ("at", "username", "role", "action", "organisation", "cohort", "patients", "ip")
    list_filter = ("action", "role")
    search_fields = ("username", "organisation__code", "cohort")
    date_hierarchy = "at"
    list_select_related = ("organisation",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
