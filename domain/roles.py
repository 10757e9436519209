"""Roles and what each may do. Every write path calls :func:`require` on the server.

Roles are cumulative: a griffie member can do what a council member can, and so on, except that
curating themed sessions belongs to the griffie (and the administrator), not to civil servants.

In a region (several member municipalities in one installation) an identity is (role, gemeente): the
member municipality the account belongs to, or None for the whole installation. A write with a member
scope only touches objects of that member (:func:`require_scope`); an object of the region itself, or of
no municipality, only a whole-installation account may write. The rekenkamer (or a regional team) reads
what a council member reads, for every member, and writes nothing.

An anonymous visitor of a public monitor (``MSD_PUBLIC=1``) reads with the rights of a council member:
published content only. ``components.session.current_role`` returns that role for them.
So a write right must never be given to the council member role alone.
"""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    RAADSLID = "raadslid"
    GRIFFIE = "griffie"
    AMBTENAAR = "ambtenaar"
    BEHEERDER = "beheerder"
    REKENKAMER = "rekenkamer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.RAADSLID: "Raadslid",
    Role.GRIFFIE: "Griffie",
    Role.AMBTENAAR: "Ambtenaar",
    Role.BEHEERDER: "Beheerder",
    Role.REKENKAMER: "Rekenkamer / regioteam",
}

# action -> roles allowed to perform it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "read_published": frozenset(Role),
    "read_drafts": frozenset({Role.AMBTENAAR, Role.BEHEERDER}),
    "write_note": frozenset({Role.AMBTENAAR, Role.BEHEERDER}),
    "publish_note": frozenset({Role.AMBTENAAR, Role.BEHEERDER}),
    "upload_registry": frozenset({Role.AMBTENAAR, Role.BEHEERDER}),
    "edit_dossier": frozenset({Role.GRIFFIE, Role.BEHEERDER}),
    "publish_dossier": frozenset({Role.GRIFFIE, Role.BEHEERDER}),
    "run_load": frozenset({Role.BEHEERDER}),
    "manage_accounts": frozenset({Role.BEHEERDER}),
    "view_audit": frozenset({Role.BEHEERDER}),
}


# When an identity provider reports several roles, the one with the most rights wins.
PRECEDENCE = (Role.BEHEERDER, Role.AMBTENAAR, Role.GRIFFIE, Role.REKENKAMER, Role.RAADSLID)

# Roles that may have no member municipality in a region (they read or manage the whole installation);
# every other role in a region belongs to one member.
WHOLE_REGION_ROLES = frozenset({Role.BEHEERDER, Role.REKENKAMER})


def parse_role(value: Role | str | None) -> Role | None:
    """The role for a name such as ``"Griffie"``; None for anything else."""
    if isinstance(value, Role):
        return value
    try:
        return Role(str(value or "").strip().lower())
    except ValueError:
        return None


def highest(roles) -> Role | None:
    """The role with the most rights among ``roles`` (None when empty)."""
    found = {r for r in (parse_role(x) for x in roles) if r is not None}
    return next((r for r in PRECEDENCE if r in found), None)


def allowed_roles(action: str) -> list[Role]:
    """The roles that may perform ``action``, in the order of :class:`Role` (for messages)."""
    return [r for r in Role if r in PERMISSIONS[action]]


class PermissionDenied(Exception):
    """Raised when a role tries an action it may not perform."""


def can(role: Role | str | None, action: str) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"Unknown action {action!r}")
    if role is None:
        return False
    try:
        role = Role(role)
    except ValueError:
        return False
    return role in PERMISSIONS[action]


def require(role: Role | str | None, action: str) -> None:
    """Refuse the action unless the role may perform it. Call this before every write."""
    if not can(role, action):
        raise PermissionDenied(f"De rol {role or 'bezoeker'!s} mag dit niet doen ({action}).")


def in_scope(scope: str | None, target: str | None) -> bool:
    """Whether an account of member ``scope`` (None: the whole installation) may act on an object of
    municipality ``target`` (None: the region itself, or no municipality)."""
    if scope is None:
        return True
    return target is not None and str(target).strip().upper() == str(scope).strip().upper()


def require_scope(role: Role | str | None, scope: str | None, target: str | None, action: str) -> None:
    """Refuse unless the role may perform ``action`` AND the object is of the account's own member (or the
    account is of the whole installation). ``scope`` None always passes the second test, so a single
    municipality's installation behaves as :func:`require`."""
    require(role, action)
    require_in_scope(scope, target, action)


def require_in_scope(scope: str | None, target: str | None, action: str) -> None:
    """The second half of :func:`require_scope`, for a store that checks the role first and the object's
    municipality later, on the row it read in its transaction."""
    if not in_scope(scope, target):
        where = f"gemeente {target}" if target else "de hele regio"
        raise PermissionDenied(f"Uw account hoort bij gemeente {scope}; u mag dit niet doen voor {where} ({action}).")
