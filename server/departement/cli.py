"""``cybercollege departement --colleges colleges.toml``: the département's front door (docs/deploy.md)."""

from __future__ import annotations

import argparse
import logging
import sys

from cybercollege.server.departement.config import DepartementConfigError, load


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="cybercollege departement",
        description="the département's entry point: the ENT sign-in sends each user to her collège by UAI",
    )
    parser.add_argument("--colleges", required=True, help="colleges.toml: the collèges, their UAIs and the ENTs")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--public-url", default=None, help="its address for users (default: public_url of the file)")
    args = parser.parse_args(argv)
    try:
        departement = load(args.colleges)
    except DepartementConfigError as exc:
        print(f"cybercollege departement: {exc}", file=sys.stderr)
        return 2
    public_url = args.public_url or departement.public_url or f"http://{args.host}:{args.port}"
    from aiohttp import web

    from cybercollege.server.auth.ent.accesslog import PathOnlyAccessLogger
    from cybercollege.server.departement.app import build

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    print(f"Cybercollège, the département's entry point, on {public_url}", flush=True)
    app = build(departement, public_url)
    # The access log shows paths only: query strings carry CAS tickets and OIDC codes.
    web.run_app(app, host=args.host, port=args.port, print=None, access_log_class=PathOnlyAccessLogger)
    return 0
