"""Network money in the Django admin. Rate overrides are history: they can be read, never edited or
deleted (a change or withdrawal is a new row, made on the ICB's overrides page)."""

from django.contrib import admin

from . import models


@admin.register(models.RateOverride)
class RateOverrideAdmin(admin.ModelAdmin):
    list_display = ("icb", "year", "payment", "rate", "created_by", "created_at", "reason")
    list_filter = ("year", "payment")
    search_fields = ("icb__code", "icb__name", "payment", "reason")
    raw_id_fields = ("icb",)
    readonly_fields = ("created_by", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.CareHomeBeds)
class CareHomeBedsAdmin(admin.ModelAdmin):
    list_display = ("pcn", "year", "beds", "homes", "updated_by", "updated_at")
    list_filter = ("year",)
    search_fields = ("pcn__code", "pcn__name")
    raw_id_fields = ("pcn",)
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.ArrsPost)
class ArrsPostAdmin(admin.ModelAdmin):
    list_display = ("pcn", "role", "label", "fte", "start", "end", "annual_cost", "employment")
    list_filter = ("role", "employment")
    search_fields = ("pcn__code", "pcn__name", "label")
    raw_id_fields = ("pcn",)


@admin.register(models.ArrsClaim)
class ArrsClaimAdmin(admin.ModelAdmin):
    list_display = ("post", "month", "amount", "submitted_by", "submitted_at")
    raw_id_fields = ("post",)


@admin.register(models.AccessSession)
class AccessSessionAdmin(admin.ModelAdmin):
    list_display = ("pcn", "day", "start", "end", "site", "staff_type", "agreed")
    list_filter = ("day", "agreed")
    search_fields = ("pcn__code", "site")
    raw_id_fields = ("pcn",)
