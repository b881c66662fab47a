"""Customer-facing texts of a survey in any language, with the product's defaults per language.

A text is looked up in this order: the survey's own text in the page's language; the product's
default in that language; the survey's text in the organisation's default language; the product's
default there. German and English defaults come from the message catalogue; a few more
languages have built-in defaults below, so a consultant only has to translate what is the
client's own (title, intro, questions, reasons).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Item, Survey, WhyReason

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ku", "yi", "dv"})
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "pl": "Polski",
    "ar": "العربية",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "ru": "Русский",
    "uk": "Українська",
    "fa": "فارسی",
    "he": "עברית",
}

# Survey-wide texts a consultant may set per language; blank means "the product's default".
PRODUCT_TEXTS: dict[str, Promise] = {
    "expectation_question": _("What did you expect?"),
    "expectation_low": _("very low"),
    "expectation_high": _("very high"),
    "satisfaction_question": _("How satisfied were you?"),
    "satisfaction_low": _("not at all satisfied"),
    "satisfaction_high": _("very satisfied"),
    "nps_low": _("not at all likely"),
    "nps_high": _("extremely likely"),
    "effort_low": _("very easy"),
    "effort_high": _("very difficult"),
    "not_experienced": _("Not experienced / no answer"),
    "optional": _("optional"),
    "submit": _("Send"),
    "thanks_title": _("Thank you!"),
    "thanks_text": _("Your answers have been received."),
    "why_question": _("What was the main reason for your rating?"),
    "why_skip": _("Skip"),
}
# Texts that exist only per survey (no product default): title and intro.
SURVEY_TEXTS = ("title", "intro")

BUILT_IN: dict[str, dict[str, str]] = {
    "tr": {
        "expectation_question": "Ne bekliyordunuz?",
        "expectation_low": "çok düşük",
        "expectation_high": "çok yüksek",
        "satisfaction_question": "Ne kadar memnun kaldınız?",
        "satisfaction_low": "hiç memnun değilim",
        "satisfaction_high": "çok memnunum",
        "nps_low": "hiç olası değil",
        "nps_high": "çok olası",
        "effort_low": "çok kolay",
        "effort_high": "çok zor",
        "not_experienced": "Deneyimlemedim / yanıt yok",
        "optional": "isteğe bağlı",
        "submit": "Gönder",
        "thanks_title": "Teşekkürler!",
        "thanks_text": "Yanıtlarınız alındı.",
        "why_question": "Bu puanın ana nedeni neydi?",
        "why_skip": "Atla",
    },
    "pl": {
        "expectation_question": "Jakie były Twoje oczekiwania?",
        "expectation_low": "bardzo niskie",
        "expectation_high": "bardzo wysokie",
        "satisfaction_question": "Jak oceniasz swoje zadowolenie?",
        "satisfaction_low": "brak zadowolenia",
        "satisfaction_high": "pełne zadowolenie",
        "nps_low": "zdecydowanie nie",
        "nps_high": "zdecydowanie tak",
        "effort_low": "bardzo łatwo",
        "effort_high": "bardzo trudno",
        "not_experienced": "Nie dotyczy / brak odpowiedzi",
        "optional": "opcjonalnie",
        "submit": "Wyślij",
        "thanks_title": "Dziękujemy!",
        "thanks_text": "Twoje odpowiedzi zostały zapisane.",
        "why_question": "Jaki był główny powód Twojej oceny?",
        "why_skip": "Pomiń",
    },
    "ar": {
        "expectation_question": "ماذا كنت تتوقع؟",
        "expectation_low": "منخفضة جدًا",
        "expectation_high": "مرتفعة جدًا",
        "satisfaction_question": "ما مدى رضاك؟",
        "satisfaction_low": "غير راضٍ إطلاقًا",
        "satisfaction_high": "راضٍ جدًا",
        "nps_low": "غير مرجح إطلاقًا",
        "nps_high": "مرجح جدًا",
        "effort_low": "سهل جدًا",
        "effort_high": "صعب جدًا",
        "not_experienced": "لم أجرّب ذلك / بدون إجابة",
        "optional": "اختياري",
        "submit": "إرسال",
        "thanks_title": "شكرًا لك!",
        "thanks_text": "تم استلام إجاباتك.",
        "why_question": "ما السبب الرئيسي لتقييمك؟",
        "why_skip": "تخطٍّ",
    },
    "fr": {
        "expectation_question": "Qu’attendiez-vous ?",
        "expectation_low": "très faibles",
        "expectation_high": "très élevées",
        "satisfaction_question": "Dans quelle mesure avez-vous été satisfait(e) ?",
        "satisfaction_low": "pas du tout satisfait(e)",
        "satisfaction_high": "très satisfait(e)",
        "nps_low": "pas du tout probable",
        "nps_high": "très probable",
        "effort_low": "très facile",
        "effort_high": "très difficile",
        "not_experienced": "Pas vécu / sans réponse",
        "optional": "facultatif",
        "submit": "Envoyer",
        "thanks_title": "Merci !",
        "thanks_text": "Vos réponses ont bien été reçues.",
        "why_question": "Quelle est la raison principale de votre note ?",
        "why_skip": "Passer",
    },
    "es": {
        "expectation_question": "¿Qué esperaba?",
        "expectation_low": "muy bajas",
        "expectation_high": "muy altas",
        "satisfaction_question": "¿Qué tan satisfecho/a quedó?",
        "satisfaction_low": "nada satisfecho/a",
        "satisfaction_high": "muy satisfecho/a",
        "nps_low": "nada probable",
        "nps_high": "muy probable",
        "effort_low": "muy fácil",
        "effort_high": "muy difícil",
        "not_experienced": "No lo viví / sin respuesta",
        "optional": "opcional",
        "submit": "Enviar",
        "thanks_title": "¡Gracias!",
        "thanks_text": "Hemos recibido sus respuestas.",
        "why_question": "¿Cuál fue el motivo principal de su valoración?",
        "why_skip": "Omitir",
    },
}


def text_direction(language: str) -> str:
    """ "rtl" for right-to-left scripts, else "ltr"."""
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def product_default(key: str, language: str) -> str:
    """The product's own text for a key in a language ("" when the product has none there)."""
    if language in ("de", "en"):
        with translation.override(language):
            return str(PRODUCT_TEXTS[key])
    return BUILT_IN.get(language, {}).get(key, "")


def _own(survey: Survey, key: str, language: str) -> str:
    if key in SURVEY_TEXTS:
        value = survey.title_in(language) if key == "title" else survey.intro_in(language)
    else:
        value = (survey.texts.get(language) or {}).get(key, "")
    return str(value or "").strip()


def survey_text(survey: Survey, key: str, *, language: str, default_language: str) -> str:
    """One survey-wide text in the page's language, with the fallbacks described above."""
    for candidate in dict.fromkeys((language, default_language)):
        own = _own(survey, key, candidate)
        if own:
            return own
        if key in PRODUCT_TEXTS:
            built_in = product_default(key, candidate)
            if built_in:
                return built_in
    return ""


def label_text(thing: Item | WhyReason, *, language: str, default_language: str) -> str:
    """An item's or reason's label in the page's language, else in the default language."""
    return (thing.label_in(language) or "").strip() or thing.label_in(default_language)


@dataclass(frozen=True)
class TextRow:
    """One translatable text: its name, the default-language text and the translation."""

    field: str  # form field name: "text.<key>", "item.<id>" or "reason.<id>"
    name: str
    source: str
    value: str
    missing: bool
    multiline: bool = False


def _source_and_value(
    survey: Survey, key: str, *, language: str, default_language: str
) -> tuple[str, str]:
    source = _own(survey, key, default_language) or (
        product_default(key, default_language) if key in PRODUCT_TEXTS else ""
    )
    return source, _own(survey, key, language)


def text_rows(
    survey: Survey,
    *,
    language: str,
    default_language: str,
    items: Iterable[Item],
    reasons: Iterable[WhyReason],
) -> list[TextRow]:
    """Every text of a survey side by side: default language and the given language.

    A text is missing when the survey has its own text in the default language (or it is the
    title, an item or a reason label) but none in this language, and no built-in default covers
    it; product texts with a default in this language are not missing.
    """
    rows: list[TextRow] = []
    for key in (*SURVEY_TEXTS, *PRODUCT_TEXTS):
        source, value = _source_and_value(
            survey, key, language=language, default_language=default_language
        )
        own_source = bool(_own(survey, key, default_language))
        covered = key in PRODUCT_TEXTS and bool(product_default(key, language))
        needed = (key == "title" or own_source) and not covered
        if key.startswith("why_") and not survey.asks_why:
            needed = False
        rows.append(
            TextRow(
                field=f"text.{key}",
                name=str(key),
                source=source,
                value=value,
                missing=needed and not value,
                multiline=key == "intro",
            )
        )
    for item in items:
        rows.append(
            TextRow(
                field=f"item.{item.pk}",
                name=item.key,
                source=item.label_in(default_language),
                value=item.label_in(language) if language != default_language else "",
                missing=not (item.label_in(language) or "").strip(),
            )
        )
    for reason in reasons:
        rows.append(
            TextRow(
                field=f"reason.{reason.pk}",
                name=f"reason: {reason.key}",
                source=reason.label_in(default_language),
                value=reason.label_in(language) if language != default_language else "",
                missing=not (reason.label_in(language) or "").strip(),
            )
        )
    return rows


def missing_translations(
    survey: Survey, *, languages: Iterable[str], default_language: str
) -> dict[str, list[str]]:
    """Per language (not the default), the names of the texts still untranslated."""
    items = list(survey.items.all())
    reasons = list(survey.reasons.all())
    missing: dict[str, list[str]] = {}
    for language in languages:
        if language == default_language:
            continue
        rows = text_rows(
            survey,
            language=language,
            default_language=default_language,
            items=items,
            reasons=reasons,
        )
        names = [row.name for row in rows if row.missing]
        if names:
            missing[language] = names
    return missing
