"""The permission table of issue 6: what each role may do, and that require() refuses everything else."""

from __future__ import annotations

import pytest

from domain.roles import PERMISSIONS, PermissionDenied, Role, allowed_roles, can, highest, parse_role, require

# action -> roles, as the issue describes them
EXPECTED = {
    "read_published": {"raadslid", "griffie", "ambtenaar", "beheerder", "rekenkamer"},
    "read_drafts": {"ambtenaar", "beheerder"},
    "write_note": {"ambtenaar", "beheerder"},
    "publish_note": {"ambtenaar", "beheerder"},
    "upload_registry": {"ambtenaar", "beheerder"},
    "edit_dossier": {"griffie", "beheerder"},
    "publish_dossier": {"griffie", "beheerder"},
    "run_load": {"beheerder"},
    "manage_accounts": {"beheerder"},
    "view_audit": {"beheerder"},
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", [*Role, "Beheerder", None, "", "hacker"])
def test_every_role_against_every_action(role, action):
    allowed = isinstance(role, Role) and role.value in EXPECTED[action]
    assert can(role, action) is allowed
    if allowed:
        require(role, action)
    else:
        with pytest.raises(PermissionDenied):
            require(role, action)


def test_the_table_covers_every_action():
    assert set(PERMISSIONS) >= set(EXPECTED)
    with pytest.raises(KeyError):
        can(Role.BEHEERDER, "no_such_action")


def test_helpers():
    assert parse_role(" Griffie ") is Role.GRIFFIE and parse_role("x") is None
    assert highest(["raadslid", "griffie", "ambtenaar"]) is Role.AMBTENAAR
    assert highest([]) is None
    assert allowed_roles("edit_dossier") == [Role.GRIFFIE, Role.BEHEERDER]
