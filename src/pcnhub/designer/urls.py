"""The configuration designer under /design/ (namespace ``designer``)."""

from django.urls import path

from pcnhub.designer import views

app_name = "designer"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.area, name="area"),
]
