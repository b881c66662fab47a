"""Outbound HTTP only to public addresses: webhook targets cannot reach into our own network.

A target is resolved and refused when any of its addresses is loopback, private, link-local,
multicast, unspecified or otherwise not globally routable, unless WEBHOOK_ALLOWED_TARGETS lists
its host name or network. The check runs when an endpoint is saved and again for every request,
and the connection goes to an address that passed the check (a name that resolves differently a
moment later cannot slip through). Redirects are never followed.
"""

import http.client
import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[IPAddress]]


class OutboundRefusedError(OSError):
    """The target is not a public address (or not a URL we call at all)."""


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the name resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _allowed_internally(host: str, address: IPAddress) -> bool:
    for entry in getattr(settings, "WEBHOOK_ALLOWED_TARGETS", []):
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            if entry == host.lower().rstrip("."):
                return True
    return False


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def target_problem(url: str, *, resolver: Resolver = resolve) -> str | None:
    """Why a URL may not be called, or None when every address it resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Only http and https URLs with a host name are called.")
    if parts.username or parts.password:
        return _("Put no user name or password into the URL.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolver(parts.hostname, port)
    except ValueError:
        return _("The port is not valid.")
    except OSError:
        return _("The host name does not resolve.")
    if not addresses:
        return _("The host name does not resolve.")
    for address in addresses:
        if not _is_public(address) and not _allowed_internally(parts.hostname, address):
            return _(
                "The host resolves to %(address)s, an internal address (loopback, private, "
                "link-local, multicast or unspecified); such targets are refused."
            ) % {"address": address}
    return None


def post_to_public_address(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    resolver: Resolver = resolve,
) -> int:
    """POST to a vetted address and return the HTTP status; redirects are answers, not followed.

    Raises OutboundRefusedError before connecting when the target is internal, OSError for network
    trouble and timeouts.
    """
    problem = target_problem(url, resolver=resolver)
    if problem:
        raise OutboundRefusedError(problem)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)

    def connect_vetted(
        address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        # Resolve again at connect time and connect only to an address that passes.
        for candidate in resolver(host, port):
            if _is_public(candidate) or _allowed_internally(host, candidate):
                return socket.create_connection((str(candidate), port), timeout, source_address)
        raise OutboundRefusedError(_("The host no longer resolves to a public address."))

    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection._create_connection = connect_vetted  # type: ignore[attr-defined]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        return int(connection.getresponse().status)
    except http.client.HTTPException as error:
        raise OSError(f"{type(error).__name__}: {error}") from error
    finally:
        connection.close()
