"""Measures pages under /measures/ (namespace ``measures``)."""

from django.urls import path

from pcnhub.measures import views

app_name = "measures"

urlpatterns = [
    path("", views.index, name="index"),
    path("england/", views.england, name="england"),
    path("pcn/<str:code>/", views.pcn, name="pcn"),
    path("practice/<str:code>/", views.practice, name="practice"),
    path("area/<str:code>/", views.area, name="area"),
]
