import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# The two staff roles, as Django groups (created after migrate).
CONSULTANTS_GROUP = "Consultants"
MANAGERS_GROUP = "Managers"


class Language(models.TextChoices):
    DE = "de", _("German")
    EN = "en", _("English")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def new_public_key() -> str:
    return secrets.token_urlsafe(12)


class Organisation(models.Model):
    """A client of the consultancy (Mandant). Everything below belongs to one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    default_language = models.CharField(
        _("default language"), max_length=2, choices=Language.choices, default=Language.DE
    )
    members: "models.ManyToManyField[Any, Membership]" = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="organisations",
        blank=True,
        verbose_name=_("members"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Membership(models.Model):
    """A user's access to one organisation's dashboards."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class Department(models.Model):
    """Owner of touchpoints (Abteilung); receives the alerts for them."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="departments"
    )
    name = models.CharField(_("name"), max_length=120)
    notification_email = models.EmailField(_("notification e-mail"), blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Journey(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="journeys"
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="journey_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        ordering = ["journey", "order"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["journey", "order"], name="phase_unique_order")
        ]

    def __str__(self) -> str:
        return self.name_en

    def name_in(self, language: str) -> str:
        return self.name_de if language == Language.DE else self.name_en


class Touchpoint(models.Model):
    """A place where the customer meets the company; addressed publicly by its public_key."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        OFFLINE = "offline", _("offline")

    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="touchpoints")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="touchpoints", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    public_key = models.CharField(
        _("public key"), max_length=32, unique=True, default=new_public_key, editable=False
    )
    allowed_origins = models.TextField(
        _("allowed embedding origins"),
        blank=True,
        help_text=_("One origin per line, e.g. https://www.example.com"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["phase__order", "name"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        constraints = [
            models.UniqueConstraint(fields=["phase", "name"], name="touchpoint_unique_name"),
            models.CheckConstraint(
                condition=models.Q(channel__in=["online", "offline"]),
                name="touchpoint_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def origin_list(self) -> list[str]:
        return [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]

    def clean(self) -> None:
        from .validators import validate_origins

        try:
            validate_origins(self.allowed_origins)
        except ValidationError as error:
            raise ValidationError({"allowed_origins": error.messages}) from error
        if (
            self.phase_id
            and self.department_id
            and self.department.organisation_id != self.phase.journey.organisation_id
        ):
            raise ValidationError(
                {"department": _("The department belongs to another organisation.")}
            )
