"""Request types shared by the apps' views."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that passed django-htmx's middleware (for typing the views)."""

    htmx: HtmxDetails
