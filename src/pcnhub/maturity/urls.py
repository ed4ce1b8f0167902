"""Maturity matrix pages under /maturity/ (namespace ``maturity``)."""

from django.urls import path

from pcnhub.maturity import views

app_name = "maturity"

urlpatterns = [
    path("", views.index, name="index"),
    path("pcn/<str:code>/", views.pcn_summary, name="pcn"),
    path("pcn/<str:code>/new/", views.pcn_new, name="new"),
    path("pcn/<str:code>/assess/<slug:domain_key>/", views.assess, name="assess"),
    path("pcn/<str:code>/plan/", views.plan, name="plan"),
    path("pcn/<str:code>/plan/<int:action_id>/", views.action_edit, name="action"),
    path("pcn/<str:code>/report/", views.report, name="report"),
    path("area/<str:code>/", views.area, name="area"),
    path("area/<str:code>/new/", views.area_new, name="area_new"),
    path("area/<str:code>/assess/<slug:domain_key>/", views.assess_system, name="assess_system"),
]
