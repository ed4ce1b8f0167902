"""Maturity assessments and development plans in the Django admin (for administrators' repairs)."""

from django.contrib import admin

from . import models


class AnswerInline(admin.TabularInline):
    model = models.Answer
    extra = 0
    fields = ("statement_id", "status", "evidence", "comment", "revision", "updated_by", "updated_at")
    readonly_fields = ("revision", "updated_by", "updated_at")


@admin.register(models.Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("organisation", "matrix", "audience", "as_of", "closed", "created_by")
    list_filter = ("audience", "matrix", "closed")
    search_fields = ("organisation__code", "organisation__name")
    raw_id_fields = ("organisation",)
    readonly_fields = ("created_by", "created_at", "closed_at")
    inlines = [AnswerInline]


@admin.register(models.Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("pcn", "title", "owner", "due", "status")
    list_filter = ("status",)
    search_fields = ("pcn__code", "pcn__name", "title", "owner")
    raw_id_fields = ("pcn",)
    readonly_fields = ("created_by", "created_at", "updated_by", "updated_at")
