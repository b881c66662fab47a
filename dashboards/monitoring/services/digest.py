"""The weekly digest e-mail: top movements, open alerts, follow-ups due."""

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from dashboards.monitoring.models import DigestSubscription
from dashboards.monitoring.selectors.digest import digest_content_for
from touchpoints.selectors import organisation_list_for_user

logger = logging.getLogger(__name__)


@transaction.atomic
def digest_subscribe(*, user: User, active: bool) -> DigestSubscription:
    """Opt in to (or out of) the weekly digest."""
    subscription, _created = DigestSubscription.objects.update_or_create(
        user_id=user.pk, defaults={"is_active": active}
    )
    return subscription


def digest_message(*, user: User, week_end: date) -> EmailMultiAlternatives:
    """The digest for one user, in the language of the first of their organisations."""
    first = organisation_list_for_user(user=user).order_by("name").first()
    language = first.default_language if first else settings.LANGUAGE_CODE
    with translation.override(language):
        content = digest_content_for(user=user, week_end=week_end)
        context = {
            "user": user,
            "content": content,
            "site_url": settings.SITE_URL,
            "alerts_link": settings.SITE_URL + "/dashboard/alerts/",
            "followups_link": settings.SITE_URL + "/dashboard/followups/",
            "language": language,
        }
        subject = "[cxmonitor] " + _("Weekly digest, %(start)s to %(end)s") % {
            "start": content.week_start.isoformat(),
            "end": content.week_end.isoformat(),
        }
        text = render_to_string("emails/digest.txt", context)
        html = render_to_string("emails/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_send(*, user_id: int, week_end: date) -> bool:
    """Send one subscriber the digest of the week ending `week_end`, at most once; True if sent.

    A failed send hands the week back, so a retry can send it; the error propagates.
    """
    subscription = (
        DigestSubscription.objects.select_related("user")
        .filter(user_id=user_id, is_active=True, user__is_active=True)
        .first()
    )
    if subscription is None or not subscription.user.email:
        return False
    previous = subscription.last_week_end
    # Claim the week first: two runs for the same week cannot both send.
    claimed = (
        DigestSubscription.objects.filter(pk=subscription.pk)
        .filter(~Q(last_week_end=week_end) | Q(last_week_end__isnull=True))
        .update(last_week_end=week_end)
    )
    if not claimed:
        return False
    try:
        digest_message(user=subscription.user, week_end=week_end).send(fail_silently=False)
    except Exception:
        DigestSubscription.objects.filter(pk=subscription.pk, last_week_end=week_end).update(
            last_week_end=previous
        )
        raise
    return True
