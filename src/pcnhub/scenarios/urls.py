"""Scenarios under /scenarios/ (namespace ``scenarios``)."""

from django.urls import path  # noqa: F401 (the routes are added with their views)

app_name = "scenarios"

urlpatterns: list = []
