from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pcnhub.webapp.api import api

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("fhir/", include("pcnhub.webapp.fhir")),
    path("finance/", include("pcnhub.finance.urls")),
    path("maturity/", include("pcnhub.maturity.urls")),
    path("phm/", include("pcnhub.phm.urls")),
    path("measures/", include("pcnhub.measures.urls")),
    path("design/", include("pcnhub.designer.urls")),
    path("scenarios/", include("pcnhub.scenarios.urls")),
    path("", include("pcnhub.register.urls")),
]

handler404 = "pcnhub.webapp.errors.page_not_found"
handler500 = "pcnhub.webapp.errors.server_error"
