"""The closed loop: acknowledge, comment, resolve. Who and when are kept."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError
from dashboards.monitoring.models import Alert, AlertComment

COMMENT_MAX_LENGTH = 2000


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user: User) -> Alert:
    """Mark an open alert as seen by the user; an alert already acknowledged keeps its first."""
    # A conditional update: two managers clicking at once leave the first one's name.
    Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
        status=Alert.Status.ACKNOWLEDGED, acknowledged_by=user, acknowledged_at=timezone.now()
    )
    alert.refresh_from_db()
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, user: User) -> Alert:
    """Close an alert; resolving an unacknowledged alert acknowledges it too."""
    now = timezone.now()
    Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).exclude(
        status=Alert.Status.RESOLVED
    ).update(acknowledged_by=user, acknowledged_at=now)
    Alert.objects.filter(pk=alert.pk).exclude(status=Alert.Status.RESOLVED).update(
        status=Alert.Status.RESOLVED, resolved_by=user, resolved_at=now
    )
    alert.refresh_from_db()
    return alert


@transaction.atomic
def alert_comment_add(*, alert: Alert, user: User, text: str) -> AlertComment:
    """Add a comment to an alert."""
    text = (text or "").strip()
    if not text:
        raise ApplicationError(
            _("Please write a comment."), fields={"text": [_("This field is required.")]}
        )
    if len(text) > COMMENT_MAX_LENGTH:
        message = _("At most %(count)s characters.") % {"count": COMMENT_MAX_LENGTH}
        raise ApplicationError(message, fields={"text": [message]})
    return AlertComment.objects.create(alert=alert, author=user, text=text)
