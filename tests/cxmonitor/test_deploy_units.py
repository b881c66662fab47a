"""The systemd units in deploy/ restart the processes and match the README's process list."""

import configparser
from pathlib import Path

import pytest
from django.conf import settings

from cxmonitor.celery import app

UNITS = Path(settings.BASE_DIR) / "deploy" / "systemd"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read(UNITS / f"cxmonitor-{name}.service")
    return parser


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("web", "gunicorn cxmonitor.wsgi"),
        ("worker", "celery -A cxmonitor worker"),
        ("beat", "celery -A cxmonitor beat"),
    ],
)
def test_each_process_is_restarted_whatever_ends_it(name: str, command: str) -> None:
    service = _unit(name)["Service"]
    assert service["Restart"] == "always"
    assert command in service["ExecStart"]
    assert service["EnvironmentFile"] == "/etc/cxmonitor/env"
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert command in readme and f"cxmonitor-{name}.service" in readme


def test_stopping_the_worker_waits_for_its_longest_task() -> None:
    limits = [t.time_limit or app.conf.task_time_limit for t in app.tasks.values()]
    assert int(_unit("worker")["Service"]["TimeoutStopSec"]) > max(limits)
