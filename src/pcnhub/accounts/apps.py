from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pcnhub.accounts"
    verbose_name = "Users and roles"
