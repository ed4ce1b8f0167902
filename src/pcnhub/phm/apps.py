from django.apps import AppConfig


class PhmConfig(AppConfig):
    name = "pcnhub.phm"
    label = "phm"
    verbose_name = "Population health"
    default_auto_field = "django.db.models.BigAutoField"
