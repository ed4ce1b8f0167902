from django.apps import AppConfig


class MaturityConfig(AppConfig):
    name = "pcnhub.maturity"
    verbose_name = "Maturity matrix"
    default_auto_field = "django.db.models.BigAutoField"
