"""`make demo HOST=… PORT=…`: generated links follow the address served, unless SITE_URL is set."""

import os
import shlex
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

PRINT_LINKS = (
    "from django.conf import settings; from touchpoints.links import embed_snippet;"
    "from touchpoints.models import Touchpoint;"
    "print(settings.SITE_URL);"
    "print(embed_snippet(touchpoint=Touchpoint(public_key='KEY')).replace(chr(10), ' '))"
)


def _demo_manage_prefix(*make_args: str) -> list[str]:
    """The environment and interpreter `make demo` puts in front of each manage.py command."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    bin_dir = os.path.dirname(sys.executable)
    dry_run = subprocess.run(
        ["make", "-n", "demo", f"BIN={bin_dir}", *make_args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = next(x for x in dry_run.stdout.splitlines() if "manage.py runserver" in x)
    words = shlex.split(line)
    return words[: words.index("manage.py") + 1]


def _links(prefix: list[str], **env: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "DEMO_ADDRESS"}}
    assignments = dict(w.split("=", 1) for w in prefix if "=" in w and not w.startswith("/"))
    command = [w for w in prefix if w not in {f"{k}={v}" for k, v in assignments.items()}]
    result = subprocess.run(
        [*command, "shell", "--no-imports", "-c", PRINT_LINKS],
        cwd=settings.BASE_DIR,
        env={**environment, **assignments, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.splitlines()


def test_demo_on_another_port_writes_that_port_into_links() -> None:
    prefix = _demo_manage_prefix("PORT=8101")
    site_url, snippet = _links(prefix)[:2]
    assert site_url == "http://127.0.0.1:8101"
    assert 'src="http://127.0.0.1:8101/embed.js"' in snippet


def test_site_url_set_in_the_environment_wins_over_the_demo_address() -> None:
    prefix = _demo_manage_prefix("PORT=8101", "HOST=localhost")
    site_url = _links(prefix, SITE_URL="https://cx.example.com/")[0]
    assert site_url == "https://cx.example.com"
