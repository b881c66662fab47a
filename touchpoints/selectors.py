"""Reads for organisations and access."""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from .models import CONSULTANTS_GROUP, Organisation, Touchpoint

AnyUser: TypeAlias = User | AnonymousUser


def user_is_consultant(*, user: AnyUser) -> bool:
    """Consultants (and superusers) see and configure every organisation."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return user.groups.filter(name=CONSULTANTS_GROUP).exists()


def organisation_list_for_user(*, user: AnyUser) -> QuerySet[Organisation]:
    """The organisations whose data this user may read."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user_is_consultant(user=user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user)


def touchpoint_get_public(*, public_key: str) -> Touchpoint | None:
    """A touchpoint by its public key with what capture needs, or None."""
    return (
        Touchpoint.objects.select_related("phase__journey__organisation", "department")
        .filter(public_key=public_key)
        .first()
    )
