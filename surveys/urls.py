from django.urls import URLPattern, URLResolver, path

from . import api, views

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/responses/", api.ResponseCreateApi.as_view(), name="api-response-create"),
    path("s/<str:public_key>/", views.survey_page, name="page"),
    path("s/<str:public_key>/thanks/", views.survey_thanks, name="thanks"),
    path("s/<str:public_key>/print/", views.print_sheet, name="print_sheet"),
    path("embed.js", views.embed_js, name="embed_js"),
]
