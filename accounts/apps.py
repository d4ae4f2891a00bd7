from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self) -> None:
        from nexus_live import sessions  # noqa: F401  (connects the sign-out receiver)
