from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pcnhub.accounts"
    verbose_name = "Users and roles"

    def ready(self) -> None:
        # Connects the sign-in receiver that remembers when a session began (the absolute session limit).
        from pcnhub.accounts import middleware  # noqa: F401
