"""Pages of network money under /finance/ (namespace ``finance``): England, an area's PCNs, a PCN, an ICB's
rate overrides, and a PCN's ARRS plan and access plan."""

from django.urls import path

from pcnhub.finance import views_access, views_arrs, views_iif, views_money

app_name = "finance"

urlpatterns = [
    path("", views_money.england_money, name="england"),
    path("pcn/<str:code>/", views_money.pcn_money, name="pcn"),
    path("pcn/<str:code>/iif/", views_iif.pcn_iif_page, name="iif"),
    path("pcn/<str:code>/care-home-beds/", views_money.pcn_beds, name="pcn_beds"),
    path("area/<str:code>/", views_money.area_money, name="area"),
    path("area/<str:code>/overrides/", views_money.overrides, name="overrides"),
    path("pcn/<str:code>/arrs/", views_arrs.arrs_plan, name="arrs"),
    path("pcn/<str:code>/arrs/posts/", views_arrs.arrs_post_add, name="arrs_post_add"),
    path("pcn/<str:code>/arrs/posts/<int:post_id>/", views_arrs.arrs_post_edit, name="arrs_post_edit"),
    path("pcn/<str:code>/arrs/posts/<int:post_id>/delete/", views_arrs.arrs_post_delete, name="arrs_post_delete"),
    path("pcn/<str:code>/arrs/claims/", views_arrs.arrs_claim, name="arrs_claim"),
    path("pcn/<str:code>/arrs/claims/<int:claim_id>/delete/", views_arrs.arrs_claim_delete, name="arrs_claim_delete"),
    path("pcn/<str:code>/access/", views_access.access_plan, name="access"),
    path("pcn/<str:code>/access/sessions/", views_access.access_session_add, name="access_session_add"),
    path("pcn/<str:code>/access/sessions/<int:session_id>/", views_access.access_session_edit,
         name="access_session_edit"),
    path("pcn/<str:code>/access/sessions/<int:session_id>/delete/", views_access.access_session_delete,
         name="access_session_delete"),
]
