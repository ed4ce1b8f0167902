from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "pcnhub.register"
    verbose_name = "PCN register"

    def ready(self) -> None:
        # A row saved or deleted one at a time starts the cached figures afresh (register.services.note_change).
        from django.db.models.signals import post_delete, post_save

        from pcnhub.register import local_lists  # noqa: F401 (adds the importers of local lists to the loaders)
        from pcnhub.register.services import note_change

        for model in self.get_models():
            post_save.connect(note_change, sender=model, dispatch_uid=f"pcnhub-changed-{model._meta.label}")
            post_delete.connect(note_change, sender=model, dispatch_uid=f"pcnhub-deleted-{model._meta.label}")
