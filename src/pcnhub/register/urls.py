"""Pages of the register (all behind the login-required middleware, all filtered by the user's scope)."""

from django.urls import path

from pcnhub.register import views, views_changes

urlpatterns = [
    path("", views.home, name="home"),
    path("landscape/", views.landscape, name="landscape"),
    path("pcn/<str:code>/", views.pcn_detail, name="pcn"),
    path("pcn/<str:code>/<slug:action>/", views.pcn_edit, name="pcn_edit"),
    path("practice/<str:code>/", views.practice_detail, name="practice"),
    path("search/", views.search, name="search"),
    path("changes/", views_changes.changes, name="changes"),
]
