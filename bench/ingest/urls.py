"""The product's URLs plus the bare comparison view; mounted only by the benchmark server."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/bare/", views.bare_create, name="bench-bare"),
    path("", include("cxmonitor.urls")),
]
