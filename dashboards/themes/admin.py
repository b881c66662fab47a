"""Admin for consultants: rename, merge, pin keywords to and hide themes; edits survive
rediscovery. Themes are created by discovery only; each edit goes through the edit services and
reassigns the organisation's comments in the background once it is saved."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cxmonitor.errors import ApplicationError
from dashboards.themes.models import Theme, ThemeKeyword
from dashboards.themes.services import edits


class ThemeKeywordInline(admin.TabularInline[ThemeKeyword, Theme]):
    model = ThemeKeyword
    extra = 1
    fields = ("term",)
    verbose_name = _("pinned keyword")


class ThemeForm(forms.ModelForm[Theme]):
    class Meta:
        model = Theme
        fields = ("name", "hidden", "merged_into")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["merged_into"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only another, unmerged theme of the same organisation.
        field.queryset = Theme.objects.filter(
            organisation_id=self.instance.organisation_id, merged_into__isnull=True
        ).exclude(pk=self.instance.pk)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin[Theme]):
    form = ThemeForm
    inlines = [ThemeKeywordInline]
    list_display = ("display_name", "label", "organisation", "mentions", "hidden", "merged_into")
    list_filter = (("organisation", admin.RelatedOnlyFieldListFilter), "hidden")
    search_fields = ("name", "label")
    readonly_fields = ("organisation", "label", "keyword_list", "discovered_comments")
    fields = ("organisation", "label", "name", "hidden", "merged_into", "keyword_list")
    actions = ["hide_themes", "show_themes"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Theme]:
        themes: QuerySet[Theme] = super().get_queryset(request)
        return themes.annotate(mention_count=Count("comments"))

    @admin.display(description=_("Mentions"), ordering="mention_count")
    def mentions(self, obj: Theme) -> int:
        return int(getattr(obj, "mention_count", 0))

    @admin.display(description=_("discovered keywords"))
    def keyword_list(self, obj: Theme) -> str:
        ranked = sorted(obj.keywords.items(), key=lambda item: -item[1])
        return ", ".join(f"{term} ({weight:.2f})" for term, weight in ranked)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # themes come from the comments; hide one instead of deleting it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Theme, form: Any, change: bool) -> None:
        org, pk = obj.organisation_id, obj.pk
        try:
            if "name" in form.changed_data:
                edits.theme_rename(organisation_id=org, theme_id=pk, name=obj.name)
            if "hidden" in form.changed_data:
                edits.theme_set_hidden(
                    organisation_id=org, theme_id=pk, hidden=obj.hidden, reassign=False
                )
            if "merged_into" in form.changed_data:
                if obj.merged_into_id is None:
                    edits.theme_unmerge(organisation_id=org, theme_id=pk, reassign=False)
                else:
                    edits.themes_merge(
                        organisation_id=org,
                        source_id=pk,
                        target_id=obj.merged_into_id,
                        reassign=False,
                    )
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)

    def save_formset(
        self,
        request: HttpRequest,
        form: Any,
        formset: BaseInlineFormSet[ThemeKeyword, Theme, Any],
        change: bool,
    ) -> None:
        theme: Theme = form.instance
        org = theme.organisation_id
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            edits.theme_unpin(organisation_id=org, theme_id=theme.pk, term=obj.term, reassign=False)
        for obj, _fields in formset.changed_objects:
            ThemeKeyword.objects.filter(pk=obj.pk).delete()
        for obj in [*formset.new_objects, *(o for o, _f in formset.changed_objects)]:
            try:
                # Stored as the lemma, so "gewartet" matches every form of "warten".
                edits.theme_pin(
                    organisation_id=org, theme_id=theme.pk, word=obj.term, reassign=False
                )
            except ApplicationError as error:
                self.message_user(request, error.message, level=messages.ERROR)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        edits.themes_reassign_later(organisation_id=form.instance.organisation_id)

    @admin.action(description=_("Hide the selected themes as noise"))
    def hide_themes(self, request: HttpRequest, queryset: QuerySet[Theme]) -> None:
        self._set_hidden(queryset, hidden=True)

    @admin.action(description=_("Show the selected themes again"))
    def show_themes(self, request: HttpRequest, queryset: QuerySet[Theme]) -> None:
        self._set_hidden(queryset, hidden=False)

    def _set_hidden(self, queryset: QuerySet[Theme], *, hidden: bool) -> None:
        organisations = set()
        for theme in queryset:
            edits.theme_set_hidden(
                organisation_id=theme.organisation_id,
                theme_id=theme.pk,
                hidden=hidden,
                reassign=False,
            )
            organisations.add(theme.organisation_id)
        for org in sorted(organisations):
            edits.themes_reassign_later(organisation_id=org)
