"""Pages of network money, under /finance/ (namespace ``finance``)."""

from django.urls import include, path

app_name = "finance"

urlpatterns = [
    path("", include("pcnhub.finance.urls_money")),
    path("", include("pcnhub.finance.urls_plans")),
]
