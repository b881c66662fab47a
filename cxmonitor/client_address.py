"""The client's address as our own reverse proxies saw it: one function for every limit.

The login lockout (django-axes, AXES_CLIENT_IP_CALLABLE) and the capture rate limits both use it,
so an attacker behind the proxies locks out and slows down only themself.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the right-most address our own PROXY_COUNT proxies put in X-Forwarded-For.

    Entries left of the trusted proxies' part are written by the client and are never believed.
    """
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    proxies = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
