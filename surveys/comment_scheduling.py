"""After a response with a comment is committed, ask the dashboards to analyse the comment.

Sent by task name, like the aggregation, so surveys never imports dashboards. Never raises: the
response is stored, and `manage.py comment_themes` (or the nightly discovery) catches up.
"""

import logging

from kombu.exceptions import OperationalError as KombuOperationalError

from cxmonitor.celery import app as celery_app

logger = logging.getLogger(__name__)

COMMENT_TASK = "dashboards.comment_process"
COMMENT_COUNTDOWN = 2


def comment_analysis_schedule(*, response_id: int) -> None:
    """Queue the analysis of one response's comment; fails quietly when the broker is down."""
    from .services import broker_breaker  # the capture service imports this module

    if not broker_breaker.available():
        return
    try:
        if celery_app.conf.task_always_eager:
            celery_app.loader.import_default_modules()
        celery_app.signature(COMMENT_TASK, kwargs={"response_id": response_id}).apply_async(
            countdown=COMMENT_COUNTDOWN
        )
    except (KombuOperationalError, OSError):
        broker_breaker.failed()
        logger.warning("comment analysis not scheduled: broker unavailable", exc_info=True)
    except Exception:
        # Eager mode runs the task in-process: its failure must not fail the stored answer.
        logger.exception("comment analysis task failed")
