from django.apps import AppConfig


class DesignerConfig(AppConfig):
    name = "pcnhub.designer"
    verbose_name = "Configuration designer"
    default_auto_field = "django.db.models.BigAutoField"
