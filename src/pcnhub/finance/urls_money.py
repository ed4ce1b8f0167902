"""Money pages under /finance/: England, an area's PCNs, a PCN, an ICB's rate overrides."""

from django.urls import path

from pcnhub.finance import views_money

urlpatterns = [
    path("", views_money.england_money, name="england"),
    path("pcn/<str:code>/", views_money.pcn_money, name="pcn"),
    path("pcn/<str:code>/care-home-beds/", views_money.pcn_beds, name="pcn_beds"),
    path("area/<str:code>/", views_money.area_money, name="area"),
    path("area/<str:code>/overrides/", views_money.overrides, name="overrides"),
]
