"""The analysis page: every chart valid and right against numpy; sections as htmx partials."""

import gzip
import json
import re
import zoneinfo
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import plotly
import plotly.graph_objects as go
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboards.analytics import PairedSums, ValueSums
from dashboards.pages.builders.analysis import satrec_view
from dashboards.statistics.models import TouchpointImportance
from dashboards.statistics.selectors.kpis import TouchpointPeriod
from dashboards.statistics.services.importance import importance_refresh
from tests import factories as f
from tests.dashboards.pages.pages_data import Built, build


def today() -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).date()


@pytest.fixture
def built(db: None) -> Built:
    data = build(
        touchpoints=4,
        days=40,
        per_day=6,
        end=today() - timedelta(days=1),
        names=["Shop", "Hotline", "Lieferung", "Filiale"],
        shift={"Hotline": -1.2},
        drop_last={"Lieferung": 2.0},
    )
    importance_refresh(organisation_id=data.org.pk, end=data.end, days=90)
    return data


def client_for(built: Built, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(f.manager(built.org))
    return client


def figures(page: str) -> dict[str, dict[str, Any]]:
    found = re.findall(
        r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', page, re.S
    )
    return {chart_id: json.loads(text) for chart_id, text in found}


def summary(page: str, chart_id: str) -> str:
    match = re.search(rf'<p class="chart-summary" id="{chart_id}-summary">(.*?)</p>', page, re.S)
    assert match, chart_id
    return match.group(1)


def segments_part(client: Client, params: dict[str, str] | None = None) -> str:
    """The segments section, as the page requests it after loading."""
    response = client.get(
        "/dashboard/analysis/", params or {}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="segments-body"
    )
    assert response.status_code == 200
    return response.text


def test_every_chart_is_a_valid_plotly_figure(built: Built) -> None:
    client = client_for(built)
    page = client.get("/dashboard/analysis/").text
    charts = figures(page)
    assert set(charts) == {
        "chart-gaps",
        "chart-ipa",
        "chart-satrec",
        "chart-heatmap",
        "chart-lag",
        "chart-trend",
    }
    # Segments follow once the page has loaded (hx-trigger="load").
    assert 'id="segments-body" hx-get="/dashboard/analysis/" hx-trigger="load"' in page
    segments = segments_part(client)
    assert "<html" not in segments
    go.Figure(figures(segments)["chart-segments"])
    for chart_id, figure in charts.items():
        go.Figure(figure)  # raises on any property Plotly does not know
        assert f'id="{chart_id}" role="img" aria-labelledby="{chart_id}-summary"' in page
        assert summary(page, chart_id)
    assert page.count("<details>") == len(charts)  # each chart's data as a table
    # No inline script: only the JSON data blocks and the static files.
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", page)
    assert f"/dashboard/assets/plotly-{plotly.__version__}.min.js" in page


def test_gap_analysis_ranks_by_importance_times_gap(built: Built) -> None:
    page = client_for(built, "de").get("/dashboard/analysis/").text
    start, end = today() - timedelta(days=29), today()
    gaps = {
        tp.name: float(np.mean(s - e))
        for tp in built.touchpoints
        for e, s in [built.paired(tp.name, start, end)]
    }
    worst = min(gaps, key=gaps.get)  # type: ignore[arg-type]
    assert worst == "Hotline"
    expected = f"Größte Lücke: Hotline ({gaps['Hotline']:.1f})".replace(".", ",").replace(
        "-", "\u2212"
    )
    assert expected in summary(page, "chart-gaps")
    weights = dict(TouchpointImportance.objects.values_list("touchpoint__name", "r"))
    priority = {n: max(weights[n] or 0, 0) * max(-g, 0) for n, g in gaps.items()}
    figure = figures(page)["chart-gaps"]
    labels = figure["data"][1]["y"][::-1]  # top row first
    overall = [label for label in labels if " · " not in label]
    ranked = sorted((n for n in priority if priority[n] > 0), key=lambda n: -priority[n])
    assert overall[: len(ranked)] == ranked


def test_lag_explorer_matches_numpy(built: Built) -> None:
    shop, hotline = built.tp("Shop"), built.tp("Hotline")
    client = client_for(built)
    params = {
        "lag_a": shop.public_key,
        "lag_a_kpi": "volume",
        "lag_b": hotline.public_key,
        "lag_b_kpi": "satisfaction",
    }
    response = client.get(
        "/dashboard/analysis/", params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="lag-explorer"
    )
    assert response.status_code == 200
    part = response.text
    assert "<html" not in part and "chart-gaps" not in part
    figure = figures(part)["chart-lag"]
    days = [built.end - timedelta(days=i) for i in range(39, -1, -1)]
    volume = np.array(
        [
            sum(
                1
                for r in built.raw
                if r.touchpoint == "Shop" and r.day == d and r.value is not None
            )
            for d in days
        ],
        float,
    )
    sat = np.array(
        [
            np.mean(
                [
                    r.satisfaction
                    for r in built.raw
                    if r.touchpoint == "Hotline" and r.day == d and r.satisfaction is not None
                ]
            )
            for d in days
        ]
    )
    n = len(days)
    dx, dy = volume - volume.mean(), sat - sat.mean()
    if dx.std() == 0:
        assert all(v == 0 for v in figure["data"][0]["y"])  # constant volume: no correlation
    else:
        expected = [float(dx[: n - k] @ dy[k:]) / (n * dx.std() * dy.std()) for k in range(15)]
        assert np.allclose(figure["data"][0]["y"], expected, atol=1e-9)
    band = 1.96 / np.sqrt(n)
    assert figure["layout"]["shapes"][0]["y0"] == pytest.approx(band)


def test_heatmap_matches_numpy(built: Built) -> None:
    page = client_for(built).get("/dashboard/analysis/", {"corr_kpi": "satisfaction"}).text
    figure = figures(page)["chart-heatmap"]["data"][0]
    names = figure["x"]
    days = [built.end - timedelta(days=i) for i in range(39, -1, -1)]

    def daily(name: str) -> np.ndarray:
        return np.array(
            [
                np.mean(
                    [
                        r.satisfaction
                        for r in built.raw
                        if r.touchpoint == name and r.day == d and r.satisfaction is not None
                    ]
                )
                for d in days
            ]
        )

    a, b = names[0], names[1]
    expected = np.corrcoef(daily(a), daily(b))[0, 1]
    assert figure["z"][0][1] == pytest.approx(expected, abs=1e-3)
    assert figure["z"][0][0] == 1


def test_trend_marks_the_planted_drop(built: Built) -> None:
    lieferung = built.tp("Lieferung")
    client = client_for(built)
    response = client.get(
        "/dashboard/analysis/",
        {"trend": lieferung.public_key, "trend_kpi": "satisfaction"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="trend",
    )
    text = summary(response.text, "chart-trend")
    assert text.startswith("Lieferung, Satisfaction:") and "outside the control limits" in text
    figure = figures(response.text)["chart-trend"]
    flagged_days = figure["data"][-1]["x"]
    assert flagged_days and all(
        date.fromisoformat(d) > built.end - timedelta(days=7) for d in flagged_days
    )


def test_default_trend_is_the_newest_signal(built: Built) -> None:
    page = client_for(built).get("/dashboard/analysis/").text
    assert "Preselected: the touchpoint with the newest signal." in page
    assert summary(page, "chart-trend").startswith("Lieferung")


def test_comments_filter_page_and_period(built: Built) -> None:
    client = client_for(built)
    shop = built.tp("Shop")
    response = client.get(
        "/dashboard/analysis/",
        {"c_tp": shop.public_key, "period": "7"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="comments",
    )
    texts = re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", response.text)
    expected = sorted(
        (
            r
            for r in built.raw
            if r.text and r.touchpoint == "Shop" and r.day > today() - timedelta(days=7)
        ),
        key=lambda r: r.day,
        reverse=True,
    )
    assert texts == [r.text for r in expected]
    # Detractors only: every listed comment's response gave NPS 0-6.
    detractors = client.get(
        "/dashboard/analysis/",
        {"c_score": "detractor"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="comments",
    ).text
    scores = [int(s) for s in re.findall(r'nps-pill--detractor">NPS (\d+)<', detractors)]
    assert scores and all(s <= 6 for s in scores)
    assert "nps-pill--promoter" not in detractors
    # Ten per page, newest first, a link to older ones.
    first = client.get(
        "/dashboard/analysis/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="comments"
    ).text
    assert first.count('class="comment"') == 10 and "c_page=2" in first
    second = client.get(
        "/dashboard/analysis/", {"c_page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="comments"
    ).text
    assert set(re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", first)).isdisjoint(
        re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", second)
    )


def test_segments_match_numpy_and_are_cached(built: Built) -> None:
    client = client_for(built)
    start, end = today() - timedelta(days=29), today()
    with CaptureQueriesContext(connection) as page_queries:
        client.get("/dashboard/analysis/")
    # The page itself reads raw answers only for its one page of comments.
    raw_reads = [q["sql"] for q in page_queries.captured_queries if "surveys_answer" in q["sql"]]
    assert len(raw_reads) == 1
    with CaptureQueriesContext(connection) as first:
        part = segments_part(client)
    table = figures(part)["chart-segments"]["data"][0]
    by_label = dict(zip(table["y"], table["x"], strict=True))
    for channel in ("page", "qr", "embed"):
        values = [
            r.satisfaction
            for r in built.raw
            if r.channel == channel and r.satisfaction is not None and start <= r.day <= end
        ]
        assert by_label[f"Channel: {channel}"] == pytest.approx(np.mean(values), abs=1e-9)
    english = [
        r.satisfaction
        for r in built.raw
        if r.language == "en" and r.satisfaction is not None and start <= r.day <= end
    ]
    assert by_label["Language: English"] == pytest.approx(np.mean(english), abs=1e-9)
    assert len([q for q in first.captured_queries if "surveys_answer" in q["sql"]]) == 1
    # Another view of the same period (other comment filter): segments come from the cache.
    with CaptureQueriesContext(connection) as second:
        segments_part(client, {"c_score": "promoter"})
    assert [
        q
        for q in second.captured_queries
        if "GROUP BY" in q["sql"] and "surveys_answer" in q["sql"]
    ] == []


def test_satisfied_without_promoters_is_flagged() -> None:
    def period(name: str, sat: list[tuple[int, int]], nps: list[int]) -> TouchpointPeriod:
        return TouchpointPeriod(
            touchpoint_id=hash(name) % 1000,
            public_key=name,
            name=name,
            phase_id=1,
            phase_order=1,
            phase_name_de="P",
            phase_name_en="P",
            channel="online",
            department_id=1,
            department_name="D",
            responses=len(nps),
            paired=PairedSums.from_pairs(sat),
            nps=ValueSums.from_values(nps),
            items=[],
        )

    rows = [
        period("Onlineshop", [(5, 7)] * 40 + [(5, 6)] * 40, [5] * 50 + [9] * 10),
        period("Hotline", [(6, 3)] * 80, [9] * 30 + [5] * 20),
        period("Website", [(5, 5)] * 80, [9] * 30 + [7] * 30),
    ]
    view = satrec_view(rows)
    flagged = {r.touchpoint for r in view.rows if r.flagged}
    assert flagged == {"Onlineshop"}


def test_plotly_js_is_served_locally_gzipped_and_immutable(db: None) -> None:
    url = f"/dashboard/assets/plotly-{plotly.__version__}.min.js"
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert (
        "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    )
    assert "Accept-Encoding" in response["Vary"]
    raw = gzip.decompress(response.content)
    bundled = Path(plotly.__path__[0]) / "package_data" / "plotly.min.js"
    assert raw == bundled.read_bytes()
    assert len(response.content) < len(raw) / 3
    plain = Client().get(url)
    assert "Content-Encoding" not in plain and plain.content == raw
    assert Client().get("/dashboard/assets/plotly-0.0.1.min.js").status_code == 404
