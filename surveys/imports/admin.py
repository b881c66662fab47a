"""Admin: import batches (list, rollback) and the import page (upload → columns → preview)."""

import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxmonitor.errors import ApplicationError
from surveys.identity.models import IdentifierKind
from surveys.models import ImportBatch, Item
from touchpoints.models import Organisation, Touchpoint

from .forms import MappingForm, UploadForm, target_choices
from .mapping import mapping_from_json, mapping_guess
from .readers import file_format, rows_read
from .services import ImportReport, import_batch_rollback, responses_import

if TYPE_CHECKING:
    ImportBatchAdminBase = admin.ModelAdmin[ImportBatch]
else:  # ModelAdmin is generic for the type checker only
    ImportBatchAdminBase = admin.ModelAdmin

SESSION_KEY = "history-import"
UPLOAD_DIR = Path(tempfile.gettempdir()) / "cxmonitor-imports"


def _upload_path(token: str, name: str) -> Path:
    return UPLOAD_DIR / f"{token}{Path(name).suffix.lower()}"


@admin.register(ImportBatch)
class ImportBatchAdmin(ImportBatchAdminBase):
    list_display = (
        "file_name",
        "organisation",
        "status",
        "created_at",
        "rows_imported",
        "rows_duplicate",
        "rows_rejected",
        "first_day",
        "last_day",
    )
    list_filter = ("organisation", "status")
    actions = ["rollback"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # batches come from the import page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a rollback removes the responses and keeps the record

    @admin.action(description=gettext_lazy("Roll back the selected imports"))
    def rollback(self, request: HttpRequest, queryset: QuerySet[ImportBatch]) -> None:
        deleted = sum(import_batch_rollback(batch_id=batch.pk) for batch in queryset)
        self.message_user(
            request,
            _("%(count)d responses deleted; the daily statistics of their days are recomputed.")
            % {"count": deleted},
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("import/", self.admin_site.admin_view(self.upload_view), name="history_import"),
            path(
                "import/columns/",
                self.admin_site.admin_view(self.columns_view),
                name="history_import_columns",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {"import_url": reverse("admin:history_import"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def _context(self, request: HttpRequest, **values: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import history"),
            **values,
        }

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request) or not request.user.has_perm(
            "surveys.add_response"
        ):
            return HttpResponse(status=403)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                file_format(upload.name)
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                token = secrets.token_hex(16)
                UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
                with _upload_path(token, upload.name).open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                touchpoint = form.cleaned_data["touchpoint"]
                request.session[SESSION_KEY] = {
                    "token": token,
                    "name": upload.name,
                    "organisation": form.cleaned_data["organisation"].pk,
                    "touchpoint": touchpoint.public_key if touchpoint else None,
                }
                return HttpResponseRedirect(reverse("admin:history_import_columns"))
        return TemplateResponse(
            request, "admin/surveys/importbatch/import.html", self._context(request, form=form)
        )

    # size: the mapping step of the upload wizard: form, preview and problems on one page.
    def columns_view(self, request: HttpRequest) -> HttpResponse:
        state = request.session.get(SESSION_KEY)
        if not state:
            return HttpResponseRedirect(reverse("admin:history_import"))
        path_ = _upload_path(state["token"], state["name"])
        organisation = get_object_or_404(Organisation, pk=state["organisation"])
        try:
            headers, _rows = rows_read(path_, fmt=file_format(state["name"]))
        except (ApplicationError, FileNotFoundError) as error:
            messages.error(request, getattr(error, "message", str(error)))
            return HttpResponseRedirect(reverse("admin:history_import"))
        items = Item.objects.filter(
            survey__is_active=True, survey__touchpoint__phase__journey__organisation=organisation
        ).select_related("survey__touchpoint")
        if state["touchpoint"]:
            items = items.filter(survey__touchpoint__public_key=state["touchpoint"])
        kinds = list(
            IdentifierKind.objects.filter(organisation=organisation).values_list("code", flat=True)
        )
        guess = (
            mapping_guess(
                headers=headers, touchpoint=state["touchpoint"], items=list(items), kinds=kinds
            )
            if state["touchpoint"]
            else {}
        )
        form = MappingForm(
            request.POST or None,
            headers=headers,
            choices=target_choices(items=list(items), kinds=kinds),
            initial=MappingForm.initial_from(guess, headers),
        )
        report: ImportReport | None = None
        if request.method == "POST" and form.is_valid():
            data = form.mapping_json(touchpoint=state["touchpoint"])
            try:
                mapping = mapping_from_json(data, headers=headers)
                report = responses_import(
                    organisation=organisation,
                    path=path_,
                    fmt=file_format(state["name"]),
                    file_name=state["name"],
                    mapping=mapping,
                    user_id=request.user.pk,
                    dry_run="import" not in request.POST,
                )
            except ApplicationError as error:
                for name, problems in (error.fields or {"mapping": [error.message]}).items():
                    form.add_error(None, f"{name}: {' '.join(problems)}")
            if report is not None and report.batch_id is not None:
                path_.unlink(missing_ok=True)
                del request.session[SESSION_KEY]
                messages.success(
                    request,
                    _(
                        "%(imported)d responses imported, %(duplicates)d already stored, "
                        "%(rejected)d rows rejected."
                    )
                    % {
                        "imported": report.imported,
                        "duplicates": report.duplicates,
                        "rejected": report.rejected,
                    },
                )
                return HttpResponseRedirect(
                    reverse("admin:surveys_importbatch_change", args=[report.batch_id])
                )
        touchpoint = (
            Touchpoint.objects.filter(public_key=state["touchpoint"]).first()
            if state["touchpoint"]
            else None
        )
        return TemplateResponse(
            request,
            "admin/surveys/importbatch/import.html",
            self._context(
                request,
                mapping_form=form,
                report=report,
                file_name=state["name"],
                organisation=organisation,
                touchpoint=touchpoint,
            ),
        )
