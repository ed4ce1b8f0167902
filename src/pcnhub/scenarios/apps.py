from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "pcnhub.scenarios"
    verbose_name = "Scenarios"
    default_auto_field = "django.db.models.BigAutoField"
