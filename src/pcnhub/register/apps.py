from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "pcnhub.register"
    verbose_name = "PCN register"
