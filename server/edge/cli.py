"""The ``cybercollege`` command: serve, ent, world check, client. (Bots and benchmarks are not part of the product:
``python -m benchmarks.bot``, ``python -m benchmarks.world_bench``.)"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cybercollege.server.auth.ent import commands as ent_commands
from cybercollege.server.config import Settings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASS_THROUGH:  # their own parsers take every option that follows
        return PASS_THROUGH[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "ent":
        return ent_commands.run(args)
    if args.command == "world":
        from cybercollege.worlds import check as world_check

        return world_check.main([str(args.path)])
    return 2


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand but the pass-through one (``client``)."""
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

    client = sub.add_parser("client", help="run the Panda3D desktop client")
    client.add_argument("args", nargs=argparse.REMAINDER, help="client arguments (see cybercollege client --help)")
    return parser


def _client(argv: list[str]) -> int:
    try:
        from cybercollege.client import app as client_app
    except ImportError as exc:  # the server was installed without the client extra
        print(f"cybercollege: the desktop client is not installed ({exc.name}): pip install 'cybercollege[client]'",
              file=sys.stderr)
        return 2
    return client_app.main(argv)


PASS_THROUGH = {"client": _client}


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
