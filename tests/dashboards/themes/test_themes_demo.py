"""On the demo client the planted damaged-parcel theme is found, grows and tops the ranking."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from dashboards.themes.models import Theme
from dashboards.themes.selectors import theme_impacts
from surveys.demo import demo_end_default
from surveys.demo_comments import DAMAGE_DAYS, phrasing_count
from touchpoints.models import Organisation, Touchpoint

DEMO_DAYS = 90  # the demo as `make demo` seeds it


def test_demo_vocabulary_is_varied() -> None:
    german, themes = phrasing_count()
    assert german >= 60 and themes >= 8


@pytest.mark.slow
@pytest.mark.django_db
def test_planted_damage_theme_tops_the_ranking_with_a_negative_impact(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("seed_demo", days=DEMO_DAYS, stdout=StringIO())
    out = StringIO()
    call_command("comment_themes", stdout=out, stderr=StringIO())
    org = Organisation.objects.get(slug="beispiel")
    end = demo_end_default()
    start = end - timedelta(days=DEMO_DAYS - 1)
    with capsys.disabled():
        print("\n" + out.getvalue())

    ranked = theme_impacts(organisation_id=org.pk, start=start, end=end)[None]
    top = ranked[0]
    damaged = Theme.objects.get(pk=top.id)
    # The planted story, whichever of its words leads the theme's label ("Paket", "Ware", …):
    # most of the comments the theme holds speak of damage.
    texts = [c.comment.text.lower() for c in damaged.comments.select_related("comment")]
    assert len(texts) >= 50
    assert sum("beschädigt" in t or "damaged" in t for t in texts) > 0.5 * len(texts)
    impact = top.impact.satisfaction_impact
    assert impact.value is not None and impact.value < -1.0 and impact.below_zero
    assert top.impact.nps_impact.below_zero

    # It grows at Lieferung: its share of the last DAMAGE_DAYS days is above the earlier one.
    lieferung = Touchpoint.objects.get(phase__journey__organisation=org, name="Lieferung")
    recent_start = end - timedelta(days=DAMAGE_DAYS - 1)
    recent = theme_impacts(
        organisation_id=org.pk, start=recent_start, end=end, touchpoint_ids=[lieferung.pk]
    )[None]
    before = theme_impacts(
        organisation_id=org.pk,
        start=start,
        end=recent_start - timedelta(days=1),
        touchpoint_ids=[lieferung.pk],
    )[None]
    share_recent = next(r.impact.share for r in recent if r.id == damaged.pk)
    share_before = next(r.impact.share for r in before if r.id == damaged.pk)
    assert share_recent.ci is not None and share_before.ci is not None
    assert share_recent.ci[0] > share_before.ci[1]
