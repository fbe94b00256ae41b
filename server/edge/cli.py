"""The ``cybercollege`` command: serve, departement, ent, user export|forget|disable|enable, world check, client,
bot. (Bots and benchmarks are not part of the product: ``cybercollege bot`` runs ``benchmarks/bot.py`` from a checkout
only.)

Its help is in the user's language (French by default; LANG, LC_ALL...: server/edge/cli_text.py)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cybercollege.server.config import Settings
from cybercollege.server.edge import cli_text, ent_commands

if TYPE_CHECKING:
    from cybercollege.server.privacy import Privacy


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASS_THROUGH:  # their own parsers take every option that follows
        return PASS_THROUGH[argv[0]](argv[1:])
    lang = cli_text.language()
    with cli_text.argparse_language(lang):
        args = build_parser(lang).parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "ent":
        return ent_commands.run(args)
    if args.command == "user":
        return _user(args)
    if args.command == "world":
        from cybercollege.worlds import check as world_check

        return world_check.main([str(args.path)])
    return 2


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    """The parser of every subcommand but the pass-through ones (``client``, ``bot``), its help in ``lang``
    (call it inside ``cli_text.argparse_language(lang)`` for argparse's own words)."""
    parser = argparse.ArgumentParser(prog="cybercollege", description="Cybercollège: the virtual college server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the world server (embedded defaults: SQLite, the college, demo users)")
    for name, f in Settings.model_fields.items():
        help_text = (f.description or "").replace("%", "%%")  # argparse formats help with %
        serve.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, help=help_text)

    world = sub.add_parser("world", help="world files")
    world_sub = world.add_subparsers(dest="world_command", required=True)
    check = world_sub.add_parser("check", help="validate a world directory or file")
    check.add_argument("path", type=Path)

    ent_commands.add_parser(sub)
    _add_user_parser(sub)

    client = sub.add_parser("client", help="run the Panda3D desktop client")
    client.add_argument("args", nargs=argparse.REMAINDER, help="client arguments (see cybercollege client --help)")
    bot = sub.add_parser("bot", help="scripted demo pupils who walk the college (from a checkout: benchmarks/bot.py)")
    bot.add_argument("args", nargs=argparse.REMAINDER, help="bot arguments (see cybercollege bot --help)")
    options = {name: (f"CYBERCOLLEGE_{name.upper()}", "" if f.default in ("", None) else str(f.default))
               for name, f in Settings.model_fields.items()}  # fmt: skip
    cli_text.localise(parser, lang, options)
    return parser


def _client(argv: list[str]) -> int:
    try:
        from cybercollege.client import app as client_app
    except ImportError as exc:  # the server was installed without the client extra
        print(f"cybercollege: the desktop client is not installed ({exc.name}): pip install 'cybercollege[client]'",
              file=sys.stderr)
        return 2
    return client_app.main(argv)


def _bot(argv: list[str]) -> int:
    """``cybercollege bot``: ``benchmarks/bot.py`` of the checkout this package is installed from (editable)."""
    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "benchmarks" / "bot.py").is_file():
        why = cli_text.translate(
            "the bots are not installed with the product: run them from a checkout of the repository",
            cli_text.language(),
        )
        print(f"cybercollege bot: {why} (python -m benchmarks.bot)", file=sys.stderr)
        return 2
    if str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    from benchmarks import bot

    return bot.main(argv)


def _departement(argv: list[str]) -> int:
    """``cybercollege departement``: the département's front door (server/departement/)."""
    from cybercollege.server.departement import cli

    return cli.main(argv)


PASS_THROUGH = {"client": _client, "bot": _bot, "departement": _departement}


# --- cybercollege user export | forget ----------------------------------------------------------------------


def _add_user_parser(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="a user's data in the database: export or erase it; disable or enable them")
    commands = user.add_subparsers(dest="user_command", required=True)
    for name, text in (
        ("export", "print as JSON everything held about a user (place, chat lines, audit events, attendance...)"),
        ("forget", "erase everything held about a user; the erasure itself is audited"),
        ("disable", "refuse every token of a user from now on and close their connections (docs/adr/0011)"),
        ("enable", "let a disabled user sign in again"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("user_id", help="the user's id, as in the audit log (e.g. demo:lea.martin)")
        command.add_argument(
            "--database-url", default=None, help="the server's database (default: CYBERCOLLEGE_DATABASE_URL)"
        )


def _user(args: argparse.Namespace) -> int:
    """Run ``cybercollege user export|forget USER_ID`` on the server's database."""
    from sqlalchemy.exc import SQLAlchemyError

    from cybercollege.server.persistence import DEFAULT_URL

    url = args.database_url or os.environ.get("CYBERCOLLEGE_DATABASE_URL") or DEFAULT_URL
    try:
        _database_exists(url)
        if args.user_command == "export":
            data = asyncio.run(_export(url, args.user_id))
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return 0
        if args.user_command in ("disable", "enable"):
            changed = asyncio.run(_switch(url, args.user_id, args.user_command == "disable"))
            print(_SWITCHED[args.user_command, changed].format(user=args.user_id))
            return 0
        erased = asyncio.run(_forget(url, args.user_id))
    except ValueError as exc:
        print(f"cybercollege user: {exc}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as exc:
        print(f"cybercollege user: the database cannot be used: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{name}={n}" for name, n in erased.items())
    print(f"{args.user_id} forgotten: {counts} erased")
    print(
        "(a running server keeps what it holds in memory, and saves their place again if they are connected:"
        " the portal's « Données personnelles » page erases that too, or run this again once the server stopped)"
    )
    return 0


def _database_exists(url: str) -> None:
    """A SQLite file that does not exist is a wrong path, not an empty database: say so."""
    from cybercollege.server.persistence.engine import resolve_url

    parsed = resolve_url(url, create_dirs=False)
    if parsed.drivername.startswith("sqlite") and parsed.database and not Path(parsed.database).is_file():
        raise ValueError(f"no database file at {parsed.database} (give --database-url)")


def _privacy(url: str) -> Privacy:
    """Every holder of personal data, as the server has them (server/privacy.py), on the database ``url``."""
    import secrets

    from cybercollege.server.auth.tokens import TokenService
    from cybercollege.server.cluster import presence
    from cybercollege.server.cluster.feature import Cluster
    from cybercollege.server.edge.app import features_of
    from cybercollege.server.persistence import Store, WriteBehind
    from cybercollege.server.privacy import Privacy

    settings = Settings(database_url=url)  # the rest (recordings_dir, world...) from CYBERCOLLEGE_* as the server's
    college = _college(settings)
    settings = settings.of_college(college)
    writer = WriteBehind(Store(url, college=college))
    tokens = TokenService(secrets.token_urlsafe(48), settings.token_ttl)
    features = features_of(settings, writer, tokens, None, Cluster(presence.create(""), tokens))
    return Privacy(None, writer.store, writer, [h for f in features for h in f.personal_data()])


async def _export(url: str, user_id: str) -> dict[str, object]:
    privacy = _privacy(url)
    async with privacy.store:
        return await privacy.export(user_id)


async def _forget(url: str, user_id: str) -> dict[str, int]:
    privacy = _privacy(url)
    async with privacy.store:
        return await privacy.forget(user_id, by=f"cli:{_operator()}")


_SWITCHED = {
    ("disable", True): "{user} disabled: their tokens are refused and their connections closed within seconds",
    ("disable", False): "{user} was already disabled",
    ("enable", True): "{user} enabled: they may sign in again (their old sessions stay closed)",
    ("enable", False): "{user} was not disabled",
}


async def _switch(url: str, user_id: str, disable: bool) -> bool:
    from cybercollege.server.persistence import Store

    async with Store(url, college=_college(Settings(database_url=url))) as store:  # the audit row is the collège's
        by = f"cli:{_operator()}"
        return await (store.disable_user(user_id, by=by) if disable else store.enable_user(user_id, by=by))


def _college(settings: Settings) -> str:
    """The collège the command acts for: the world of ``CYBERCOLLEGE_WORLD`` (the default world's without it)."""
    from cybercollege import worlds

    return worlds.load_world(settings.world_path()).id


def _operator() -> str:
    """Who runs the command (recorded with the erasure)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web
    from pydantic import ValidationError

    from cybercollege.server.core import logs
    from cybercollege.server.edge import app

    overrides = {k: v for k, v in vars(args).items() if k in Settings.model_fields and v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(map(str, err["loc"]))
            print("cybercollege: " + cli_text.say("option {name}: {message}", name=name, message=err["msg"]),
                  file=sys.stderr)
        return 2
    logs.setup(settings.log_format, settings.log_level)
    try:
        application = app.build(settings)
    except SystemExit as exc:
        print(f"cybercollege: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bad world file or database URL: say what, not a traceback
        print("cybercollege: " + cli_text.say("cannot start: {error}", error=exc), file=sys.stderr)
        return 1
    if settings.uvloop:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
    started = "Cybercollège (DEMO mode: fictitious users) on {url}" if settings.demo else "Cybercollège on {url}"
    print(cli_text.say(started, url=settings.base_url()), flush=True)
    print(cli_text.say("Ctrl+C stops the server (the pupils are told, then it waits for the last saves)."), flush=True)
    from cybercollege.server.auth.ent.accesslog import PathOnlyAccessLogger

    web.run_app(
        application,
        host=settings.host,
        port=settings.port,
        print=None,
        shutdown_timeout=10,
        access_log_class=PathOnlyAccessLogger,  # query strings carry CAS tickets and OIDC codes
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
