"""Manage built-in accounts on the server: ``python -m auth <command> ...``.

In a region, ``add --gemeente GM1234`` and ``set-gemeente`` make an account one of a member municipality
(refused for a code that is not a member of the current release); without it an account belongs to the
whole installation.

Whoever can run this on the server acts as the administrator; every change is written to the audit
log as ``cli:<system user>``. A password is asked twice without echo, read from standard input with
``--password-stdin``, or made up with ``--generate`` (printed once). Exit code 2 means refused.

``audit --verify`` checks the audit log's hash chain: exit code 0 when it is intact, 1 with the first
entry that does not fit when it is not (``--expect HASH``: a hash printed by an earlier check must still be there).
"""

from __future__ import annotations

import argparse
import getpass
import sys

import settings
from domain import passwords
from domain.roles import Role
from store import audit
from store.accounts import AccountError, AccountStore
from store.db import StoreError, shared_database
from warehouse.releases import current_release, members_of

ROLES = [r.value for r in Role]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The new password and whether to print it (only when it was generated)."""
    if getattr(args, "generate", False):
        return passwords.generate(), True
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n"), False
    if not sys.stdin.isatty():
        raise AccountError("Geef het wachtwoord met --password-stdin of laat er een maken met --generate.")
    first = getpass.getpass("Nieuw wachtwoord: ")
    if getpass.getpass("Nog een keer: ") != first:
        raise AccountError("De twee wachtwoorden zijn niet gelijk.")
    return first, False


def _members() -> list[str]:
    """The member municipalities of the current release (a --gemeente must be one of them)."""
    try:
        release = current_release(settings.load().warehouse)
    except Exception:
        release = None
    return members_of(release.meta) if release is not None else []


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m auth", description="Manage the monitor's built-in accounts.")
    parser.add_argument("--store", default=None, help="store URL (default: $MSD_STORE_URL or the SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_password(p: argparse.ArgumentParser) -> None:
        g = p.add_mutually_exclusive_group()
        g.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        g.add_argument("--generate", action="store_true", help="make up a password and print it once")

    p = sub.add_parser("add", help="add an account")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--name", default="", help="display name")
    p.add_argument("--gemeente", default=None, metavar="GM1234",
                   help="in a region: the member municipality the account belongs to (default: the whole installation)")
    with_password(p)
    p = sub.add_parser("set-role", help="change an account's role")
    p.add_argument("username")
    p.add_argument("role", choices=ROLES)
    p.add_argument("--force", action="store_true", help="also when it is the last administrator")
    p = sub.add_parser("set-gemeente", help="in a region: the member municipality of an account")
    p.add_argument("username")
    p.add_argument("gemeente", metavar="GM1234", help="a member's code, or 'geen' for the whole installation")
    p = sub.add_parser("reset-password", help="set a new password (ends open sessions, lifts a lock-out)")
    p.add_argument("username")
    with_password(p)
    p = sub.add_parser("disable", help="switch an account off (nothing is deleted)")
    p.add_argument("username")
    p.add_argument("--force", action="store_true", help="also when it is the last administrator")
    p = sub.add_parser("enable", help="switch an account on again")
    p.add_argument("username")
    p = sub.add_parser("unlock", help="lift a lock-out after too many wrong passwords")
    p.add_argument("username")
    sub.add_parser("list", help="list the accounts")
    sub.add_parser("disable-demo", help="switch off the demo accounts (needed before a real setup starts)")
    p = sub.add_parser("audit", help="show the newest audit log entries, or check the log with --verify")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--event", default=None)
    p.add_argument("--verify", action="store_true", help="check the hash chain; exit 1 naming the first broken entry")
    p.add_argument("--expect", default=None, metavar="HASH",
                   help="with --verify: a row hash from an earlier check that must still be in the chain")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    conf = settings.load_auth()
    try:
        db = shared_database(args.store)
        store = AccountStore(db, lockout_attempts=conf.lockout_attempts, lockout_minutes=conf.lockout_minutes)
        return _run(args, store) or 0
    except (AccountError, StoreError) as exc:
        print(f"Geweigerd: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, store: AccountStore) -> int | None:
    admin, actor = Role.BEHEERDER, _actor()
    cmd = args.command
    if cmd == "add":
        members = _members() if args.gemeente else []
        if args.gemeente:  # refused before a password is asked
            store.member_code(args.gemeente, members, Role(store._role(args.role)))
        password, show = _password(args)
        a = store.add(args.username, args.role, password, display_name=args.name, actor_role=admin, actor=actor,
                      gemeente=args.gemeente, members=members)
        where = f" voor gemeente {a.gemeente}" if a.gemeente else ""
        print(f"Account {a.username} aangemaakt met de rol {a.role.label.lower()}{where}.")
    elif cmd == "set-gemeente":
        code = None if args.gemeente.strip().lower() in ("geen", "-", "") else args.gemeente
        a = store.set_gemeente(args.username, code, members=_members(), actor_role=admin, actor=actor)
        print(f"{a.username} hoort nu bij " + (f"gemeente {a.gemeente}." if a.gemeente else "de hele installatie."))
    elif cmd == "set-role":
        a = store.set_role(args.username, args.role, actor_role=admin, actor=actor, keep_admin=not args.force)
        print(f"{a.username} heeft nu de rol {a.role.label.lower()}.")
    elif cmd == "reset-password":
        password, show = _password(args)
        a = store.reset_password(args.username, password, actor_role=admin, actor=actor)
        print(f"Het wachtwoord van {a.username} is gewijzigd.")
    elif cmd == "disable":
        a = store.disable(args.username, actor_role=admin, actor=actor, keep_admin=not args.force)
        print(f"{a.username} is uitgeschakeld.")
    elif cmd == "enable":
        a = store.enable(args.username, actor_role=admin, actor=actor)
        print(f"{a.username} staat weer aan.")
    elif cmd == "unlock":
        a = store.unlock(args.username, actor_role=admin, actor=actor)
        print(f"De blokkade van {a.username} is opgeheven.")
    elif cmd == "list":
        rows = store.list_accounts(role=admin)
        if not rows:
            print("Er zijn nog geen accounts.")
        scoped = any(a.gemeente for a in rows)  # a region: show each account's member (- = whole installation)
        for a in rows:
            state = "uitgeschakeld" if a.disabled else ("geblokkeerd" if a.locked_until else "actief")
            demo = " (demo)" if a.is_demo else ""
            member = f"{a.gemeente or '-':<8} " if scoped else ""
            print(f"{a.username:<30} {a.role.value:<10} {member}{state:<13} {a.display_name}{demo}")
    elif cmd == "disable-demo":
        names = store.disable_demo_accounts(actor_role=admin, actor=actor)
        print("Uitgeschakeld: " + ", ".join(names) if names else "Er staan geen demo-accounts aan.")
    elif cmd == "audit" and args.verify:
        check = audit.verify(store.db, expect=args.expect)
        print(check.message(), file=sys.stdout if check.ok else sys.stderr)
        return 0 if check.ok else 1
    elif cmd == "audit":
        for e in audit.entries(role=admin, db=store.db, event=args.event, limit=args.limit):
            print(f"{e['at'][:19]}  {e['event']:<24} {e['username']:<24} {e['detail']}")
    if cmd in ("add", "reset-password") and show:
        print(f"Wachtwoord (wordt niet nog eens getoond): {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
