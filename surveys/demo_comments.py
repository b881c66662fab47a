"""The demo's comments: varied phrasings per theme, and the planted "damaged delivery" story.

Each theme has negative and positive phrasings (German, a few English); a touchpoint draws from
the themes that fit it. The story: at "Lieferung", damaged parcels grow over the last
DAMAGE_DAYS days, and the customers who write about them score lower.
Drawn from a generator spawned off the demo's generator, so the other planted patterns keep
their random numbers.
"""

from __future__ import annotations

import numpy as np

THEMES_DE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # theme: (negative phrasings, positive phrasings)
    "wartezeit": (
        ("Über 20 Minuten in der Warteschleife.",
         "Viel zu lange Wartezeit, bis jemand abgenommen hat.",
         "Die Wartezeit am Telefon ist eine Zumutung.",
         "Ewig in der Warteschleife gewartet.",
         "Lange Wartezeit, bis ich endlich dran war.",
         "Eine halbe Stunde Wartezeit in der Filiale."),
        ("Kaum Wartezeit, sofort jemanden erreicht.",
         "Keine Warteschleife, die Wartezeit war kurz.",
         "Kurze Wartezeit, schnell bedient."),
    ),
    "freundlichkeit": (
        ("Der Mitarbeiter war unfreundlich und genervt.",
         "Unfreundliche Mitarbeiterin, man fühlt sich nicht willkommen.",
         "Das Personal war leider ziemlich unfreundlich."),
        ("Die Mitarbeiterin war sehr freundlich.",
         "Sehr freundlicher und geduldiger Mitarbeiter.",
         "Freundliches Personal, gerne wieder.",
         "Der Mitarbeiter war ausgesprochen freundlich und höflich."),
    ),
    "beratung": (
        ("Der Berater konnte meine Fragen nicht beantworten.",
         "Dreimal weiterverbunden, keine Beratung, niemand kannte sich aus.",
         "Mein Problem ist nach der Beratung immer noch nicht gelöst.",
         "Die Beratung war oberflächlich, keine Ahnung vom Thema."),
        ("Kompetente Beratung, alle Fragen beantwortet.",
         "Die Beratung war fachlich top.",
         "Mein Problem wurde sofort gelöst, kompetente Beratung."),
    ),
    "verspaetung": (
        ("Die Lieferung kam zwei Tage zu spät.",
         "Die Lieferung hat sich um eine Woche verspätet.",
         "Lieferung verspätet und keiner sagt Bescheid."),
        ("Lieferung kam pünktlich wie versprochen.",
         "Schnelle Lieferung, schon am nächsten Tag da.",
         "Pünktliche Lieferung, alles bestens."),
    ),
    "sendungsverfolgung": (
        ("Die Sendungsverfolgung war tagelang nicht aktuell.",
         "Die Sendungsverfolgung zeigte einen falschen Status.",
         "Zustellung ohne Ankündigung, niemand war zu Hause."),
        ("Sendungsverfolgung immer aktuell, sehr gut informiert.",
         "Die Zustellung wurde per Sendungsverfolgung angekündigt, super."),
    ),
    "preis": (
        ("Woanders ist der Preis deutlich günstiger.",
         "Die Preise sind zu hoch für die Leistung.",
         "Die Versandkosten sind zu teuer, der Preis stimmt nicht.",
         "Der Preis ist für das Gebotene überteuert."),
        ("Faire Preise, gutes Preis-Leistungs-Verhältnis.",
         "Preis und Leistung stimmen.",
         "Günstiger Preis, da kann man nicht meckern."),
    ),
    "rechnung": (
        ("Die Rechnung war fehlerhaft, falscher Betrag.",
         "Rechnung doppelt erhalten und doppelt abgebucht.",
         "Auf der Rechnung fehlt die Bestellnummer.",
         "Die Gutschrift fehlt auf der Rechnung immer noch."),
        ("Rechnung klar und verständlich.",
         "Übersichtliche Rechnung, alle Beträge nachvollziehbar."),
    ),
    "website": (
        ("Die Website ist unübersichtlich.",
         "Der Bestellprozess auf der Website ist viel zu umständlich.",
         "Die Website lädt sehr langsam.",
         "Login auf der Website funktioniert nicht."),
        ("Die Website ist übersichtlich und schnell.",
         "Bestellen auf der Website ging einfach und schnell.",
         "Einfache Bedienung, auf der Website alles sofort gefunden."),
    ),
    "qualitaet": (
        ("Das Produkt ist nach drei Wochen kaputt gegangen.",
         "Die Qualität des Produkts hat stark nachgelassen.",
         "Das Produkt funktioniert nicht wie beschrieben."),
        ("Tolle Qualität, das Produkt läuft zuverlässig.",
         "Das Produkt hält, was es verspricht.",
         "Sehr gute Qualität, robust verarbeitet."),
    ),
    "montage": (
        ("Der Monteur kam zu spät und hat Dreck hinterlassen.",
         "Die Montage hat viel länger gedauert als angekündigt."),
        ("Der Monteur war pünktlich und hat sauber gearbeitet.",
         "Montage schnell und ordentlich erledigt."),
    ),
}  # fmt: skip
THEMES_EN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "wartezeit": (("Waited on hold for over twenty minutes.", "Far too long a wait on the phone."),
                  ("Hardly any waiting, someone answered straight away.",)),
    "freundlichkeit": (("The staff member was rude.",), ("Very friendly and helpful staff.",)),
    "preis": (("Prices are too high, it is cheaper elsewhere.",), ("Fair prices.",)),
    "website": (("The website is confusing and slow.",), ("The website is clear and quick.",)),
    "verspaetung": (("The delivery arrived two days late.",), ("Delivery was on time.",)),
}  # fmt: skip
GENERIC_DE = {
    "good": ("Alles bestens, gerne wieder.", "Bin rundum zufrieden.", "Hat super geklappt.",
             "Top, genau so habe ich mir das vorgestellt."),
    "mixed": ("Im Großen und Ganzen in Ordnung.", "War okay.", "Passt, aber da geht noch mehr."),
    "bad": ("Leider nicht so wie erwartet.", "Ich bin enttäuscht.",
            "Da muss sich dringend etwas ändern."),
}  # fmt: skip
GENERIC_EN = {"good": ("All good.",), "mixed": ("Okay overall.",), "bad": ("Disappointing.",)}
DAMAGED_DE = (
    "Paket beschädigt angekommen.",
    "Das Paket kam beschädigt an, der Inhalt war zerbrochen.",
    "Ware beschädigt geliefert, der Karton war völlig zerdrückt.",
    "Karton beschädigt, zwei Teile sind kaputt.",
    "Beschädigtes Paket, das Gerät hat eine Delle.",
    "Leider war die Ware im Paket beschädigt.",
    "Paket beschädigt, ich musste alles zurückschicken.",
    "Schon wieder ein beschädigtes Paket bekommen.",
)
DAMAGED_EN = ("The parcel arrived damaged.", "Parcel damaged, the box was crushed.")
TOUCHPOINT_THEMES = {
    "Website": ("website", "preis"),
    "Social-Media-Kampagne": ("website", "preis"),
    "Messestand": ("beratung", "freundlichkeit"),
    "Produktberatung": ("beratung", "freundlichkeit", "preis"),
    "Angebot": ("preis", "beratung"),
    "Chatbot": ("beratung", "website", "wartezeit"),
    "Onlineshop": ("website", "preis", "verspaetung"),
    "Filiale": ("wartezeit", "freundlichkeit", "beratung"),
    "Lieferung": ("verspaetung", "sendungsverfolgung"),
    "Rechnung": ("rechnung",),
    "Hotline": ("wartezeit", "beratung", "freundlichkeit"),
    "Support-Mail": ("beratung", "wartezeit"),
    "Kundenportal": ("website", "rechnung"),
    "Montage": ("montage", "freundlichkeit"),
    "Produkt im Einsatz": ("qualitaet",),
    "Newsletter": ("website", "preis"),
    "Reklamation": ("qualitaet", "beratung", "wartezeit"),
    "Bewertungsportal": ("qualitaet", "preis", "freundlichkeit"),
}
GENERIC_SHARE = 0.25
DAMAGE_TOUCHPOINT = "Lieferung"
DAMAGE_DAYS = 14
DAMAGE_BASE = 0.06  # share of deliveries written about as damaged before the story starts
DAMAGE_END = 0.6  # share on the last day; it grows with the cube of the days passed, so the
# first week adds little and the story coincides with the planted Lieferung drop of the last week
DAMAGE_SATISFACTION = 2  # points a damaged parcel costs on each paired item (1..7)
DAMAGE_NPS = 3


def _phrase(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _one(rng: np.random.Generator, *, touchpoint: str, mood: str, english: bool) -> str:
    pools = THEMES_EN if english else THEMES_DE
    keys = [key for key in TOUCHPOINT_THEMES.get(touchpoint, ("preis",)) if key in pools]
    if not keys or rng.random() < GENERIC_SHARE:
        return _phrase(rng, (GENERIC_EN if english else GENERIC_DE)[mood])
    negative, positive = pools[keys[int(rng.integers(len(keys)))]]
    if mood == "bad" or (mood == "mixed" and rng.random() < 0.5):
        return _phrase(rng, negative)
    return _phrase(rng, positive)


def comments_vary(
    rng: np.random.Generator,
    *,
    touchpoint: str,
    texts: np.ndarray,
    mood: np.ndarray,
    english: np.ndarray,
) -> np.ndarray:
    """Replace each written comment by a phrasing of a theme that fits the touchpoint and mood."""
    varied = texts.copy()
    for i in np.flatnonzero(texts != ""):
        varied[i] = _one(rng, touchpoint=touchpoint, mood=str(mood[i]), english=bool(english[i]))
    return varied


def damaged_deliveries(
    rng: np.random.Generator, *, touchpoint: str, day_index: np.ndarray, days: int
) -> np.ndarray:
    """Which responses write about a damaged parcel: rare, then growing in the last 14 days."""
    if touchpoint != DAMAGE_TOUCHPOINT:
        return np.zeros(len(day_index), dtype=bool)
    start = days - DAMAGE_DAYS
    progress = np.clip((day_index - start) / max(DAMAGE_DAYS - 1, 1), 0.0, 1.0)
    share = DAMAGE_BASE + (DAMAGE_END - DAMAGE_BASE) * progress**3
    return rng.random(len(day_index)) < share


def damaged_texts(rng: np.random.Generator, english: np.ndarray) -> np.ndarray:
    """A damaged-parcel comment for each response (German or English)."""
    return np.asarray(
        [_phrase(rng, DAMAGED_EN if e else DAMAGED_DE) for e in english.tolist()], dtype=object
    )


def phrasing_count() -> tuple[int, int]:
    """(distinct German phrasings, themes) in the demo vocabulary."""
    german = {p for neg, pos in THEMES_DE.values() for p in (*neg, *pos)}
    german |= set(DAMAGED_DE) | {p for group in GENERIC_DE.values() for p in group}
    return len(german), len(THEMES_DE) + 1


def comments_story(
    rng: np.random.Generator,
    touchpoint: str,
    texts: np.ndarray,
    mood: np.ndarray,
    english: np.ndarray,
    days_of: tuple[np.ndarray, int],
    satisfactions: list[np.ndarray],
    nps: np.ndarray,
    scale_min: int,
) -> np.ndarray:
    """Varied comments, and at Lieferung the damaged parcels with their lower scores.

    `rng` is spawned from the demo's generator, so the main stream (and every other planted
    pattern) draws the same numbers as without this; scores are lowered in place.
    """
    day_index, days = days_of  # each response's day, and the number of days
    varied = comments_vary(rng, touchpoint=touchpoint, texts=texts, mood=mood, english=english)
    damaged = damaged_deliveries(rng, touchpoint=touchpoint, day_index=day_index, days=days)
    if damaged.any():
        varied[damaged] = damaged_texts(rng, english[damaged])
        for scores in satisfactions:
            scores[damaged] = np.maximum(scale_min, scores[damaged] - DAMAGE_SATISFACTION)
        nps[damaged] = np.maximum(0, nps[damaged] - DAMAGE_NPS)
    return varied
