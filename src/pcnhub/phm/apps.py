from django.apps import AppConfig


class PhmConfig(AppConfig):
    name = "pcnhub.phm"
    label = "phm"
    verbose_name = "Population health"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Sign-ins, failed sign-ins and sign-outs go to the audit trail.
        from pcnhub.phm import signals  # noqa: F401
