"""The management dashboard: figures against numpy on the raw answers, filters, htmx partials."""

import re
import zoneinfo
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from django.test import Client, override_settings
from django.utils import timezone
from scipy import stats

from dashboards.analytics import Estimate
from dashboards.pages.builders.dashboard import gap_level, sparkline
from dashboards.statistics.models import WorkerHeartbeat
from tests import factories as f
from tests.dashboards.pages.pages_data import Built, build


def today() -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).date()


def de_num(value: float | np.floating[Any], digits: int = 1) -> str:
    """How the page writes a number in German (decimal comma, real minus sign)."""
    text = f"{value:.{digits}f}".replace(".", ",")
    return text.replace("-", "\u2212")


@pytest.fixture
def built(db: None) -> Built:
    return build(
        touchpoints=3,
        days=40,
        per_day=6,
        end=today() - timedelta(days=1),
        names=["Shop", "Hotline", "Lieferung"],
        shift={"Hotline": -1.2},
        drop_last={"Lieferung": 2.0},
    )


def client_for(built: Built, language: str = "de") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(f.manager(built.org))
    return client


def tile_html(page: str, public_key: str) -> str:
    match = re.search(
        rf'<article class="tile[^"]*" data-touchpoint="{re.escape(public_key)}">(.*?)</article>',
        page,
        re.S,
    )
    assert match, public_key
    return match.group(1)


def test_tiles_show_figures_equal_to_numpy(built: Built) -> None:
    client = client_for(built)
    end = today()
    start = end - timedelta(days=29)
    page = client.get("/dashboard/", {"period": "30"}).text
    for tp in built.touchpoints:
        e, s = built.paired(tp.name, start, end)
        nps_raw = built.nps(tp.name, start, end)
        nps = 100 * (np.mean(nps_raw >= 9) - np.mean(nps_raw <= 6))
        tile = tile_html(page, tp.public_key)
        assert de_num(s.mean()) in tile
        assert de_num(e.mean()) in tile
        gap = (s - e).mean()
        assert (("+" if round(gap, 1) > 0 else "") + de_num(gap)) in tile
        assert (("+" if round(nps) > 0 else "") + de_num(nps, 0)) in tile
        assert f"n = {len(nps_raw)}" in tile


def test_gap_colour_follows_size_and_significance(built: Built) -> None:
    page = client_for(built).get("/dashboard/").text
    hotline = built.tp("Hotline")
    e, s = built.paired("Hotline", today() - timedelta(days=29), today())
    gap = s - e
    half = stats.t.ppf(0.975, len(gap) - 1) * gap.std(ddof=1) / np.sqrt(len(gap))
    assert gap.mean() + half < 0  # the data make the Hotline gap clearly negative
    assert gap.mean() <= -1.0
    assert f'class="tile tile--strong-negative" data-touchpoint="{hotline.public_key}"' in page


def test_gap_level_rules() -> None:
    assert gap_level(Estimate(-1.2, (-1.5, -0.9), 50)) == ("strong-negative", True)
    assert gap_level(Estimate(-0.4, (-0.6, -0.2), 50)) == ("negative", True)
    assert gap_level(Estimate(-0.4, (-0.9, 0.1), 50)) == ("neutral", False)
    assert gap_level(Estimate(0.4, (0.1, 0.7), 50)) == ("positive", True)
    assert gap_level(Estimate(None, None, 0)) == ("none", False)


def test_sparkline_breaks_at_missing_days() -> None:
    spark = sparkline([5.0, 5.5, None, 4.0])
    assert spark.path.count("M") == 2 and spark.path.count("L") == 1
    assert (spark.low, spark.high) == (4.0, 5.5)
    assert sparkline([None, None]).path == ""


def test_what_changed_lists_the_planted_drop(built: Built) -> None:
    page = client_for(built, "en").get("/dashboard/").text
    changed = page.split('id="changed-title"')[1].split("</section>")[0]
    assert "Lieferung" in changed
    lieferung = built.tp("Lieferung")
    assert f"trend={lieferung.public_key}&amp;trend_kpi=satisfaction" in changed
    assert "fell" in changed


def test_previous_period_change_has_an_arrow(built: Built) -> None:
    page = client_for(built, "en").get("/dashboard/", {"period": "7"}).text
    tile = tile_html(page, built.tp("Lieferung").public_key)
    # The last seven days dropped by two points against the seven before: significant.
    assert 'class="change change--down change--sig"' in tile
    assert "▼" in tile


def test_kpi_table_sorts_on_the_server(built: Built) -> None:
    client = client_for(built, "en")
    page = client.get("/dashboard/", {"sort": "gap"}).text
    table = page.split('class="kpi-table"')[1]
    order = [m for m in re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', table)]
    assert order[0] == "Hotline"
    page = client.get("/dashboard/", {"sort": "-gap"}).text
    table = page.split('class="kpi-table"')[1]
    order = [m for m in re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', table)]
    assert order[-1] == "Hotline"
    assert 'aria-sort="descending"' in table


def test_htmx_request_gets_the_partial_and_history_restore_the_page(built: Built) -> None:
    client = client_for(built)
    partial = client.get(
        "/dashboard/", {"period": "7"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text and 'class="tile' in partial.text
    assert "HX-Request" in partial["Vary"]
    table = client.get(
        "/dashboard/", {"sort": "n"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="kpi-table"
    )
    assert 'class="kpi-table"' in table.text and 'class="tile' not in table.text
    assert 'hx-swap-oob="true"' in table.text
    restore = client.get(
        "/dashboard/",
        {"period": "7"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in restore.text
    full = client.get("/dashboard/", {"period": "7"})
    assert (
        "<html" in full.text and 'hx-get="/dashboard/"' in full.text and "hx-push-url" in full.text
    )


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01", "to": "2026-12-01"},
        {"period": "custom", "from": "yesterday", "to": "2026-01-01"},
        {"period": "custom", "from": "2026-05-01"},
        {"period": "custom", "from": "2026-05-02", "to": "2026-05-01"},
        {"period": "custom", "from": "2020-01-01", "to": "2026-01-01"},
        {"period": "12"},
        {"channel": "carrier-pigeon"},
        {"sort": "drop table"},
    ],
)
def test_bad_filters_are_a_clear_400(built: Built, params: dict[str, str]) -> None:
    client = client_for(built, "en")
    for path in ("/dashboard/", "/dashboard/analysis/", "/dashboard/export.csv"):
        response = client.get(path, params)
        assert response.status_code == 400, (path, params)
        assert "These filters cannot be applied" in response.text
    partial = client.get("/dashboard/", params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert partial.status_code == 400 and "<html" not in partial.text


def test_custom_period_and_yesterday(built: Built) -> None:
    client = client_for(built, "en")
    end = today() - timedelta(days=1)
    start = end - timedelta(days=4)
    page = client.get(
        "/dashboard/", {"period": "custom", "from": start.isoformat(), "to": end.isoformat()}
    ).text
    _e, s = built.paired("Shop", start, end)
    assert f"{s.mean():.1f}" in tile_html(page, built.tp("Shop").public_key)
    assert "5 days" in page
    yesterday = client.get("/dashboard/", {"period": "yesterday"}).text
    _, s1 = built.paired("Shop", end, end)
    assert f"{s1.mean():.1f}" in tile_html(yesterday, built.tp("Shop").public_key)
    assert "few answers" in yesterday  # six answers a day are a small n


def test_channel_phase_and_department_filters(built: Built) -> None:
    client = client_for(built, "en")
    offline = [t for t in built.touchpoints if t.channel == "offline"]
    online = [t for t in built.touchpoints if t.channel == "online"]
    page = client.get("/dashboard/", {"channel": "offline"}).text
    assert all(f'data-touchpoint="{t.public_key}"' in page for t in offline)
    assert not any(f'data-touchpoint="{t.public_key}"' in page for t in online)
    shop = built.tp("Shop")
    page = client.get("/dashboard/", {"phase": shop.phase_id}).text
    assert f'data-touchpoint="{shop.public_key}"' in page
    assert page.count('class="tile ') == sum(t.phase_id == shop.phase_id for t in built.touchpoints)
    page = client.get("/dashboard/", {"department": shop.department_id}).text
    assert page.count('class="tile ') == sum(
        t.department_id == shop.department_id for t in built.touchpoints
    )
    page = client.get("/dashboard/", {"touchpoint": shop.public_key}).text
    assert page.count('class="tile ') == 1


def test_data_as_of_and_stale_worker_warning(built: Built) -> None:
    client = client_for(built, "en")
    WorkerHeartbeat.objects.create(beat_at=timezone.now(), hostname="w1")
    page = client.get("/dashboard/").text
    assert "Data as of" in page and "never" not in page.split("Data as of")[1][:200]
    assert "background worker" not in page
    with override_settings(REDIS_URL=""):
        assert "background worker" not in client.get("/dashboard/").text
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=25))
    with override_settings(REDIS_URL="redis://127.0.0.1:6379/15"):
        stale = client.get("/dashboard/").text
    assert "The background worker last reported 25 minutes ago" in stale
    WorkerHeartbeat.objects.update(beat_at=timezone.now())
    with override_settings(REDIS_URL="redis://127.0.0.1:6379/15"):
        fresh = client.get("/dashboard/").text
    assert "background worker" not in fresh


def test_german_and_english(built: Built) -> None:
    de = client_for(built, "de").get("/dashboard/").text
    en = client_for(built, "en").get("/dashboard/").text
    assert "Was sich verändert hat" in de and "Lücke" in de and "Kennzahlen je Touchpoint" in de
    assert "What changed" in en and "Gap" in en and "KPIs per touchpoint" in en
    assert re.search(r"\d,\d", de) and not re.search(r">\d+,\d<", en)
