from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    name = "touchpoints"
    verbose_name = _("Customer journey")

    def ready(self) -> None:
        # Role groups need the permissions Django creates after migrate, so they sync there.
        from .services import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, sender=self)
