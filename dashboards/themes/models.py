"""Comment themes, their assignment to comments, and their daily sums per touchpoint."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Response
from touchpoints.models import Organisation, Touchpoint


class Theme(models.Model):
    """A subject customers write about, found in an organisation's comments.

    `keywords` holds the discovered term weights ({lemma: 0..1}), replaced by each discovery;
    what a consultant decides (name, pinned keywords, merge target, hidden) is kept across them.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField(_("discovered label"), max_length=200)
    name = models.CharField(_("name"), max_length=200, blank=True)
    keywords = models.JSONField(_("discovered keywords"), default=dict, blank=True)
    discovered_comments = models.PositiveIntegerField(_("comments at discovery"), default=0)
    hidden = models.BooleanField(_("hidden as noise"), default=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_themes",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "id"]
        verbose_name = _("comment theme")
        verbose_name_plural = _("comment themes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="theme_not_merged_into_self"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.label


class ThemeKeyword(models.Model):
    """A word a consultant pinned to a theme: a comment containing it always gets the theme."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="pins")
    term = models.CharField(_("keyword"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["theme", "term"]
        verbose_name = _("pinned keyword")
        verbose_name_plural = _("pinned keywords")
        constraints = [
            models.UniqueConstraint(fields=["theme", "term"], name="themekeyword_unique")
        ]

    def __str__(self) -> str:
        return self.term


class CommentAnalysis(models.Model):
    """A response's comment as the analysis sees it: masked text, terms, sentiment, its scores.

    The text is stored with personal data already masked, so display, search and export never
    see it; the customer's original stays in the answer and is deleted with the response.
    """

    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, primary_key=True, related_name="comment_analysis"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day"))
    submitted_at = models.DateTimeField(_("submitted at"))
    language = models.CharField(_("language"), max_length=2)
    text = models.TextField(_("comment (personal data masked)"))
    terms = models.TextField(_("terms"), blank=True)
    sentiment = models.FloatField(_("sentiment"))
    satisfaction = models.FloatField(_("satisfaction"), null=True, blank=True)
    nps = models.SmallIntegerField(_("recommendation"), null=True, blank=True)
    clash = models.BooleanField(_("words and score disagree"), default=False)
    # PostgreSQL only (filled there, GIN-indexed by a migration); NULL on SQLite.
    search = SearchVectorField(null=True, blank=True)

    class Meta:
        verbose_name = _("analysed comment")
        verbose_name_plural = _("analysed comments")
        indexes = [
            models.Index(fields=["touchpoint", "day"], name="comment_tp_day"),
            models.Index(fields=["organisation", "submitted_at"], name="comment_org_time"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.text[:40]}"


class CommentTheme(models.Model):
    """A theme assigned to a comment, with the keyword score that assigned it."""

    comment = models.ForeignKey(CommentAnalysis, on_delete=models.CASCADE, related_name="themes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="comments")
    score = models.FloatField(_("score"))

    class Meta:
        verbose_name = _("comment theme assignment")
        verbose_name_plural = _("comment theme assignments")
        constraints = [
            models.UniqueConstraint(fields=["comment", "theme"], name="commenttheme_unique")
        ]
        indexes = [models.Index(fields=["theme", "comment"], name="commenttheme_theme")]

    def __str__(self) -> str:
        return f"{self.comment_id} → {self.theme_id}"


class CommentSums(models.Model):
    """Sums over a set of commented responses; satisfaction is a response's mean over items."""

    comments = models.PositiveIntegerField(default=0)
    sat_n = models.PositiveIntegerField(default=0)
    sat_sum = models.FloatField(default=0.0)
    sat_sumsq = models.FloatField(default=0.0)
    nps_n = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    sentiment_sum = models.FloatField(default=0.0)
    negative = models.PositiveIntegerField(default=0)
    clashes = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ThemeDay(CommentSums):
    """Sums of the comments mentioning a theme at a touchpoint on a day (organisation's zone)."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="days", db_index=False)
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("theme day")
        verbose_name_plural = _("theme days")
        constraints = [
            models.UniqueConstraint(fields=["theme", "touchpoint", "day"], name="themeday_unique")
        ]
        indexes = [models.Index(fields=["touchpoint", "day"], name="themeday_tp_day")]

    def __str__(self) -> str:
        return f"{self.theme_id}/{self.touchpoint_id}/{self.day}"


class CommentDay(CommentSums):
    """Sums of all commented responses at a touchpoint on a day: the base of every share."""

    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("comment day")
        verbose_name_plural = _("comment days")
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "day"], name="commentday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}/{self.day}"
