"""Admin: identifier kinds per client, and the golden-record overview with mapping uploads."""

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxmonitor.errors import ApplicationError
from surveys.imports.readers import file_format
from touchpoints.models import Organisation

from .mapping_files import identity_mapping_apply
from .models import Customer, IdentifierKind
from .selectors import identity_counts

if TYPE_CHECKING:
    KindAdminBase = admin.ModelAdmin[IdentifierKind]
    CustomerAdminBase = admin.ModelAdmin[Customer]
else:  # ModelAdmin is generic for the type checker only
    KindAdminBase = CustomerAdminBase = admin.ModelAdmin


@admin.register(IdentifierKind)
class IdentifierKindAdmin(KindAdminBase):
    list_display = ("code", "organisation", "label_de", "normalisation", "strip_leading_zeros")
    list_filter = ("organisation", "normalisation")


class MappingUploadForm(forms.Form):
    organisation = forms.ModelChoiceField(
        Organisation.objects.order_by("name"), label=gettext_lazy("client")
    )
    file = forms.FileField(
        label=gettext_lazy("identity mapping (CSV or XLSX)"),
        help_text=gettext_lazy(
            "Header: identifier kinds (e.g. shop_account;phone); a row is one customer."
        ),
    )
    undo = forms.BooleanField(
        required=False,
        label=gettext_lazy("undo wrong merges"),
        help_text=gettext_lazy("The rows are customers that must stay apart."),
    )


@admin.register(Customer)
class CustomerAdmin(CustomerAdminBase):
    """The golden record per client: counts, and mapping files that link or split customers."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # erasure goes through customer_data, which also fixes the statistics

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        form = MappingUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            if not request.user.has_perm("surveys.change_customer"):
                return HttpResponse(status=403)
            if self._apply(request, form):
                return HttpResponseRedirect(reverse("admin:surveys_customer_changelist"))
        counts = [
            (organisation, identity_counts(organisation_id=organisation.pk))
            for organisation in Organisation.objects.order_by("name")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Customers (golden record)"),
            "counts": counts,
            "form": form,
        }
        return TemplateResponse(request, "admin/surveys/customer/overview.html", context)

    def _apply(self, request: HttpRequest, form: MappingUploadForm) -> bool:
        upload = form.cleaned_data["file"]
        try:
            fmt = file_format(upload.name)
        except ApplicationError as error:
            form.add_error("file", error.message)
            return False
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"mapping.{fmt}"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:
                result = identity_mapping_apply(
                    organisation_id=form.cleaned_data["organisation"].pk,
                    path=path,
                    fmt=fmt,
                    undo=form.cleaned_data["undo"],
                )
            except ApplicationError as error:
                for name, problems in error.fields.items():
                    form.add_error("file", f"{name}: {' '.join(problems)}")
                return False
        for line, column, message in result.problems[:50]:
            messages.warning(
                request,
                _("line %(line)d, column %(column)s: %(reason)s")
                % {"line": line, "column": column, "reason": message},
            )
        messages.success(
            request,
            _(
                "%(rows)d rows, %(used)d used; customers %(before)d → %(after)d; "
                "%(merges)d merges, %(splits)d splits, %(rekeyed)d responses re-keyed."
            )
            % {
                "rows": result.rows,
                "used": result.rows_used,
                "before": result.customers_before,
                "after": result.customers_after,
                "merges": result.merges,
                "splits": result.splits,
                "rekeyed": result.responses_rekeyed,
            },
        )
        return True
