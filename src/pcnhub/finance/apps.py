from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "pcnhub.finance"
    verbose_name = "Network money"
    default_auto_field = "django.db.models.BigAutoField"
