from django.contrib import admin

from . import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    fk_name = "pcn"
    raw_id_fields = ("practice",)
    extra = 0


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "postcode", "status", "open_date", "close_date")
    list_filter = ("kind", "status")
    search_fields = ("code", "name", "postcode")


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("practice", "pcn", "start", "end", "des_signed")
    raw_id_fields = ("practice", "pcn")
    search_fields = ("practice__code", "pcn__code", "practice__name", "pcn__name")


@admin.register(models.Parentage)
class ParentageAdmin(admin.ModelAdmin):
    list_display = ("child", "parent", "start", "end")
    raw_id_fields = ("child", "parent")
    search_fields = ("child__code", "parent__code")


@admin.register(models.ListSize)
class ListSizeAdmin(admin.ModelAdmin):
    list_display = ("organisation", "date", "registered", "weighted", "adjusted")
    raw_id_fields = ("organisation",)
    search_fields = ("organisation__code",)


@admin.register(models.BandPolicy)
class BandPolicyAdmin(admin.ModelAdmin):
    list_display = ("area", "start", "end", "lower", "upper", "upper_binds", "recorded_by", "recorded_at")
    raw_id_fields = ("area",)
    search_fields = ("area__code", "area__name")
    readonly_fields = ("recorded_at",)


for model in (models.Partnership, models.ClinicalDirector, models.Governance, models.RuleException, models.ImportRun):
    admin.site.register(model)
