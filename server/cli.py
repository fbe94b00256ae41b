"""The ``cybercollege`` command: serve, ent, bot, bench, world check, client."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from server.config import Settings
from server.ent import commands as ent_commands


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASS_THROUGH:  # their own parsers take every option that follows
        return PASS_THROUGH[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "bot":
        return _bot(args)
    if args.command == "ent":
        return ent_commands.run(args)
    if args.command == "world":
        from worlds import check as world_check

        return world_check.main([str(args.path)])
    return 2


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand but the pass-through ones (``bench``, ``client``)."""
    parser = argparse.ArgumentParser(prog="cybercollege", description="Cybercollège: the virtual college server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the world server (embedded defaults: SQLite, the college, demo users)")
    for name, f in Settings.model_fields.items():
        help_text = (f.description or "").replace("%", "%%")  # argparse formats help with %
        serve.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, help=help_text)

    bot = sub.add_parser("bot", help="connect scripted avatars that walk the college")
    bot.add_argument("--count", type=int, default=10, help="how many bots (default 10)")
    bot.add_argument("--url", default="http://127.0.0.1:8765", help="server URL")
    bot.add_argument("--duration", type=float, default=60.0, help="seconds to run (default 60)")
    bot.add_argument("--chat", type=float, default=0.05, help="chance to say something at each stop")
    bot.add_argument("--first", type=int, default=1, help="number of the first bot login (bot-N)")
    bot.add_argument("--world", type=Path, default=None, help="world directory (default: the college)")

    bench = sub.add_parser("bench", help="run the world-server benchmark (see docs/benchmarks.md)")
    bench.add_argument("args", nargs=argparse.REMAINDER, help="arguments for benchmarks/world_bench.py")

    world = sub.add_parser("world", help="world files")
    world_sub = world.add_subparsers(dest="world_command", required=True)
    check = world_sub.add_parser("check", help="validate a world directory or file")
    check.add_argument("path", type=Path)

    ent_commands.add_parser(sub)

    client = sub.add_parser("client", help="run the Panda3D desktop client")
    client.add_argument("args", nargs=argparse.REMAINDER, help="client arguments (see cybercollege client --help)")
    return parser


def _bench(argv: list[str]) -> int:
    from benchmarks import world_bench

    return world_bench.main(argv)


def _client(argv: list[str]) -> int:
    from client import app as client_app

    return client_app.main(argv)


PASS_THROUGH = {"bench": _bench, "client": _client}


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web
    from pydantic import ValidationError

    from server import app, logs

    overrides = {k: v for k, v in vars(args).items() if k in Settings.model_fields and v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for err in exc.errors():
            print(f"cybercollege: option {'.'.join(map(str, err['loc']))}: {err['msg']}", file=sys.stderr)
        return 2
    logs.setup(settings.log_format, settings.log_level)
    try:
        application = app.build(settings)
    except SystemExit as exc:
        print(f"cybercollege: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bad world file or database URL: say what, not a traceback
        print(f"cybercollege: cannot start: {exc}", file=sys.stderr)
        return 1
    if settings.uvloop:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
    if settings.demo:
        print(f"Cybercollège (DEMO mode: fictitious users) on {settings.base_url()}", flush=True)
    from server.ent.accesslog import PathOnlyAccessLogger

    web.run_app(
        application,
        host=settings.host,
        port=settings.port,
        print=None,
        shutdown_timeout=10,
        access_log_class=PathOnlyAccessLogger,  # query strings carry CAS tickets and OIDC codes
    )
    return 0


def _bot(args: argparse.Namespace) -> int:
    import worlds
    from server import logs
    from server.bot import BotOptions, run_bots

    logs.setup()
    world = worlds.load_world(args.world or worlds.default_world_path())
    options = BotOptions(url=args.url.rstrip("/"), chat_chance=args.chat)
    bots, probe = asyncio.run(run_bots(args.count, args.duration, options, world, first=args.first))
    print(f"{len(bots)} bots ran {args.duration:.0f} s: {probe.frames} frames, {probe.bytes} bytes received")
    return 0


if __name__ == "__main__":
    sys.exit(main())
