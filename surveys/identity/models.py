from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from touchpoints.models import Organisation

# The kind every channel has always accepted as `customer_id`; its digest is the historical
# pseudonymous key, so responses stored before the golden record keep their key.
CUSTOMER_ID_KIND = "customer_id"


class IdentifierKind(models.Model):
    """A kind of customer identifier an organisation's systems know (e-mail, phone, account …)."""

    class Normalisation(models.TextChoices):
        TEXT = "text", _("text (trimmed)")
        EMAIL = "email", _("e-mail address")
        PHONE = "phone", _("phone number (E.164)")
        NUMBER = "number", _("number (without spaces)")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="identifier_kinds"
    )
    code = models.SlugField(
        _("code"),
        max_length=32,
        help_text=_("Field name in the API and in import and mapping files, e.g. shop_account."),
    )
    label_de = models.CharField(_("label (German)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    normalisation = models.CharField(
        _("normalisation"), max_length=8, choices=Normalisation.choices, default=Normalisation.TEXT
    )
    strip_leading_zeros = models.BooleanField(
        _("strip leading zeros"),
        default=False,
        help_text=_("For numbers: 000123 and 123 are the same customer."),
    )

    class Meta:
        ordering = ["organisation", "code"]
        verbose_name = _("identifier kind")
        verbose_name_plural = _("identifier kinds")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="identifier_kind_unique")
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.code == CUSTOMER_ID_KIND:
            # Built in, with the historical key: a second definition would change that key.
            raise ValidationError({"code": _("customer_id is built in; choose another code.")})


class Customer(models.Model):
    """One golden record: the stable pseudonymous key that linked identifiers resolve to."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="customers"
    )
    key = models.CharField(_("customer key"), max_length=64)
    # Decides which key survives a merge: the older one.
    created_at = models.DateTimeField(_("first seen"), default=timezone.now)

    class Meta:
        ordering = ["organisation", "created_at", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="customer_unique_key")
        ]

    def __str__(self) -> str:
        return self.key[:12]


class CustomerIdentifier(models.Model):
    """One identifier of a customer, stored only as a keyed hash of its normalised value."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="customer_identifiers"
    )
    kind = models.CharField(_("kind"), max_length=32)
    digest = models.CharField(_("HMAC"), max_length=64)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identifiers")
    created_at = models.DateTimeField(_("first seen"), default=timezone.now)

    class Meta:
        verbose_name = _("customer identifier")
        verbose_name_plural = _("customer identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "digest"], name="identifier_unique_digest"
            )
        ]
        indexes = [models.Index(fields=["digest"], name="identifier_digest")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.digest[:12]}"


class IdentifierLink(models.Model):
    """An edge of the identifier graph: two identifiers seen together (response or mapping)."""

    class Source(models.TextChoices):
        RESPONSE = "response", _("seen in one response")
        MAPPING = "mapping", _("identity mapping file")

    left = models.ForeignKey(CustomerIdentifier, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(CustomerIdentifier, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("identifier link")
        verbose_name_plural = _("identifier links")
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="identifier_link_unique"),
            models.CheckConstraint(
                condition=models.Q(left__lt=models.F("right")), name="identifier_link_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.left_id}–{self.right_id}"


class ResponseIdentifier(models.Model):
    """Which identifiers a response carried: lets a split re-key responses correctly."""

    response = models.ForeignKey(
        "surveys.Response", on_delete=models.CASCADE, related_name="identifier_links"
    )
    identifier = models.ForeignKey(
        CustomerIdentifier, on_delete=models.CASCADE, related_name="response_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "identifier"], name="response_identifier_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.identifier_id}"


class CustomerMerge(models.Model):
    """A merge of two clusters (or a split undoing one); counted on the consultant's overview."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("merge")
        SPLIT = "split", _("split")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="customer_merges"
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    surviving_key = models.CharField(_("surviving key"), max_length=64)
    other_key = models.CharField(_("merged or split-off key"), max_length=64)
    responses_rekeyed = models.PositiveIntegerField(_("responses re-keyed"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"{self.kind} {self.surviving_key[:12]} / {self.other_key[:12]}"
