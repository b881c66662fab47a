"""Comment-theme benchmark: time to theme 100,000 comments (prints figures; not a test).

    python bench/themes/run.py [--comments 100000] [--topics 12] [--seed 7] [--db URL]

Generates German and English comments from the demo vocabulary (seeded; two phrasings joined
in a quarter of them, a filler word in some) and measures in one run:
  1. the whole text pipeline: mask personal data, lemmatise to terms, sentiment (each comment),
     discover themes on the newest 50,000, assign themes to every comment;
  2. a baseline in the same process: lower-case whitespace split and a set lookup of the same
     keywords per comment, the least any keyword assignment has to do;
and with --db (a PostgreSQL URL; the database is created and filled) the same comments stored as
responses, then `comments_backfill` + `themes_discover`: what `manage.py comment_themes` does.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FILLERS = ("heute", "gestern", "wieder", "leider", "ehrlich gesagt", "insgesamt", "diesmal")


def comments(n: int, seed: int) -> list[tuple[str, str]]:
    """n (text, language) pairs drawn from the demo vocabulary."""
    from surveys import demo_comments as vocab

    german = [p for neg, pos in vocab.THEMES_DE.values() for p in (*neg, *pos)]
    german += list(vocab.DAMAGED_DE) + [p for g in vocab.GENERIC_DE.values() for p in g]
    english = [p for neg, pos in vocab.THEMES_EN.values() for p in (*neg, *pos)]
    english += list(vocab.DAMAGED_EN)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.12:
            out.append((english[rng.integers(len(english))], "en"))
            continue
        text = german[rng.integers(len(german))]
        if rng.random() < 0.25:
            text += " " + german[rng.integers(len(german))]
        if rng.random() < 0.3:
            text = FILLERS[rng.integers(len(FILLERS))].capitalize() + ": " + text
        out.append((text, "de"))
    return out


def pipeline(texts: list[tuple[str, str]], topics: int, seed: int) -> dict[str, float]:
    from dashboards.analytics.masking import mask_personal_data
    from dashboards.analytics.sentiment import comment_sentiment
    from dashboards.analytics.text import comment_terms
    from dashboards.analytics.themes import assign_themes, discover_topics

    timings: dict[str, float] = {}
    t = time.perf_counter()
    terms = []
    for text, language in texts:
        masked = mask_personal_data(text)
        terms.append(comment_terms(masked, language))
        comment_sentiment(masked, language)
    timings["analyse"] = time.perf_counter() - t
    t = time.perf_counter()
    found = discover_topics(terms[-50_000:], topics=topics, seed=seed)
    timings["discover"] = time.perf_counter() - t
    keywords = {i: dict(topic.keywords) for i, topic in enumerate(found)}
    t = time.perf_counter()
    assigned = sum(bool(assign_themes(doc, keywords)) for doc in terms)
    timings["assign"] = time.perf_counter() - t
    timings["themes"] = len(found)
    timings["assigned_share"] = assigned / len(texts)
    return timings


def baseline(texts: list[tuple[str, str]], keywords: set[str]) -> float:
    t = time.perf_counter()
    hits = 0
    for text, _language in texts:
        hits += any(word in keywords for word in text.lower().split())
    return time.perf_counter() - t


def with_database(url: str, texts: list[tuple[str, str]], topics: int, seed: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxmonitor.settings")
    from bench.pg import ensure_database

    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from dashboards.themes.services.discovery import themes_discover
    from dashboards.themes.services.processing import commented_response_ids, comments_backfill
    from surveys.models import Answer, Item, Response, Survey
    from touchpoints.models import Department, Organisation, Touchpoint
    from touchpoints.services import journey_create

    call_command("migrate", verbosity=0)
    Organisation.objects.filter(slug="bench-themes").delete()
    org = Organisation.objects.create(name="Bench Themes", slug="bench-themes")
    phase = journey_create(organisation=org, name="Journey").phases.get(order=1)
    dept = Department.objects.create(organisation=org, name="Service")
    tp = Touchpoint.objects.create(phase=phase, department=dept, name="Hotline", channel="offline")
    srv = Survey.objects.create(touchpoint=tp, title_de="U", title_en="S", is_active=True)
    paired = Item.objects.create(survey=srv, kind="paired", label_de="a", label_en="a", order=1)
    nps = Item.objects.create(survey=srv, kind="nps", label_de="n", label_en="n", order=2)
    comment = Item.objects.create(survey=srv, kind="comment", label_de="c", label_en="c", order=3)
    rng = np.random.default_rng(seed)
    now = timezone.now()
    responses = Response.objects.bulk_create(
        [
            Response(
                touchpoint=tp,
                survey=srv,
                submitted_at=now - timezone.timedelta(minutes=int(i)),
                channel="page",
                language=language,
                submission_id=f"b{i}",
            )
            for i, (_text, language) in enumerate(texts)
        ],
        batch_size=5000,
    )
    answers = []
    for r, (text, _language) in zip(responses, texts, strict=True):
        s = int(rng.integers(1, 8))
        answers += [
            Answer(response=r, item=paired, expectation=5, satisfaction=s),
            Answer(response=r, item=nps, value=int(rng.integers(0, 11))),
            Answer(response=r, item=comment, text=text),
        ]
    Answer.objects.bulk_create(answers, batch_size=5000)
    t = time.perf_counter()
    ids = commented_response_ids(organisation_id=org.pk)
    comments_backfill(organisation_id=org.pk, response_ids=ids)
    analysed = time.perf_counter() - t
    t = time.perf_counter()
    result = themes_discover(organisation_id=org.pk, topics=topics, seed=seed)
    discovered = time.perf_counter() - t
    print(
        f"PostgreSQL, {len(ids):,} stored comments: analyse + assign + daily sums "
        f"{analysed:.1f} s, "
        f"discover + reassign + daily sums {discovered:.1f} s, total {analysed + discovered:.1f} s "
        f"({result.themes} themes, {result.assignments:,} assignments)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="PostgreSQL URL for the stored-comments stage")
    args = parser.parse_args()
    texts = comments(args.comments, args.seed)
    timings = pipeline(texts, args.topics, args.seed)
    keywords = {"wartezeit", "rechnung", "paket", "lieferung", "preis", "website", "beratung"}
    base = baseline(texts, keywords)
    total = timings["analyse"] + timings["discover"] + timings["assign"]
    print(
        f"{args.comments:,} comments, {int(timings['themes'])} themes found, "
        f"{timings['assigned_share']:.0%} of comments with a theme"
    )
    print(
        f"  analyse (mask, lemmas, sentiment) {timings['analyse']:.1f} s, discover (50k) "
        f"{timings['discover']:.1f} s, assign {timings['assign']:.1f} s: total {total:.1f} s"
    )
    print(f"  baseline (split + keyword set lookup) {base:.2f} s; ratio {total / base:.0f}x")
    if args.db:
        with_database(args.db, texts, args.topics, args.seed)


if __name__ == "__main__":
    main()
