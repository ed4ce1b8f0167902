"""Population health pages under /phm/ (namespace ``phm``)."""

from django.urls import path

from pcnhub.phm import views

app_name = "phm"

urlpatterns = [
    path("", views.index, name="index"),
    path("pcn/<str:code>/", views.pcn, name="pcn"),
    path("pcn/<str:code>/cohort/<slug:cohort>/", views.worklist, name="worklist"),
    path("practice/<str:code>/", views.practice, name="practice"),
    path("practice/<str:code>/cohort/<slug:cohort>/", views.practice_worklist, name="practice_worklist"),
    path("area/<str:code>/", views.area, name="area"),
    path("audit/", views.audit, name="audit"),
]
