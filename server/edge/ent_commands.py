"""``cybercollege ent keys | metadata | check | try``: the commands docs/sso.md has the administrator run.

They live at the edge, with the rest of the CLI: ``ent try`` signs in as the desktop client does
(``cybercollege.client.login``), which the ENT package itself must not import.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import webbrowser
from pathlib import Path

from cybercollege.server.auth.ent.config import EntConfig, EntConfigError, SamlConfig, load_ents
from cybercollege.server.edge import cli_text

EXIT_PROBLEM = 1
EXIT_USAGE = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``ent`` and its subcommands to the top-level parser."""
    ent = sub.add_parser("ent", help="connect an ENT: SAML keys, what to register, check, try a login")
    commands = ent.add_subparsers(dest="ent_command", required=True)

    keys = commands.add_parser("keys", help="make our SAML key pair and certificate (sp.key, sp.crt)")
    keys.add_argument("--out", type=Path, default=Path("ent"), help="folder to write them in (default: ./ent)")
    keys.add_argument("--name", default="cybercollege-sp", help="certificate common name")
    keys.add_argument("--days", type=int, default=1826, help="validity in days (default: 5 years)")
    keys.add_argument("--force", action="store_true", help="replace existing files (the ENT must be told)")

    for name, text in (
        ("metadata", "what to give the ENT: our SAML metadata, or the CAS / OpenID Connect URLs"),
        ("check", "check the ENT file against the live identity providers"),
    ):
        command = commands.add_parser(name, help=text)
        if name == "metadata":
            command.add_argument("name", help="the ENT's id in the ENT file")
            command.add_argument("--out", type=Path, default=None, help="write to this file instead of the screen")
        _common(command)

    try_ = commands.add_parser("try", help="sign in once through the system browser and show the mapped identity")
    try_.add_argument("name", help="the ENT's id in the ENT file")
    try_.add_argument("--url", default=None, help="the running server (default: CYBERCOLLEGE_PUBLIC_URL or local)")


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--ent-config", type=Path, default=None, help="the ENT file (default: CYBERCOLLEGE_ENT_CONFIG)"
    )
    command.add_argument(
        "--public-url", default=None, help="the server's public URL (default: CYBERCOLLEGE_PUBLIC_URL)"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``cybercollege ent <command>``; every failure is one line on stderr and a non-zero status."""
    try:
        if args.ent_command == "keys":
            key, cert = _keys(args)
            print(f"wrote {key} (private: keep it on this server) and {cert}")
            print(f'in the ENT file: sp_key_file = "{key}"  sp_cert_file = "{cert}"')
            return 0
        if args.ent_command == "try":
            return _try(args)
        ents, public_url = _load(args)
        if args.ent_command == "metadata":
            return _metadata(args, ents, public_url)
        return _check(ents, public_url)
    except EntConfigError as exc:
        print(f"cybercollege ent: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _keys(args: argparse.Namespace) -> tuple[Path, Path]:
    from cybercollege.server.auth.ent.admin import make_keys

    return make_keys(args.out, args.name, args.days, overwrite=args.force)


def _load(args: argparse.Namespace) -> tuple[list[EntConfig], str]:
    path = args.ent_config or os.environ.get("CYBERCOLLEGE_ENT_CONFIG")
    if not path:
        raise EntConfigError("give the ENT file: --ent-config FILE (or set CYBERCOLLEGE_ENT_CONFIG)")
    public_url = (args.public_url or os.environ.get("CYBERCOLLEGE_PUBLIC_URL") or "").rstrip("/")
    if not public_url:
        raise EntConfigError("give the server's public URL: --public-url https://… (or set CYBERCOLLEGE_PUBLIC_URL)")
    return load_ents(path), public_url


def _metadata(args: argparse.Namespace, ents: list[EntConfig], public_url: str) -> int:
    from cybercollege.server.auth.ent.admin import registration

    ent = next((e for e in ents if e.id == args.name), None)
    if ent is None:
        known = ", ".join(e.id for e in ents) or "none"
        raise EntConfigError(f"no ENT {args.name!r} in the ENT file (its ENTs: {known})")
    if isinstance(ent, SamlConfig) and not (ent.sp_key_file.exists() and ent.sp_cert_file.exists()):
        raise EntConfigError(f"{ent.sp_cert_file} is missing: run `cybercollege ent keys` first")
    text = registration(ent, public_url)
    if args.out is None:
        print(text, end="" if text.endswith("\n") else "\n")
    else:
        args.out.write_text(text)
        print(f"wrote {args.out}: give it to the administrator of {ent.name}")
    return 0


def _check(ents: list[EntConfig], public_url: str) -> int:
    from cybercollege.server.auth.ent.admin import check

    findings = asyncio.run(check(ents, public_url))
    lang = cli_text.language()
    for f in findings:  # messages with a value in them (an address, a date) stay in English
        print(f"[{cli_text.translate(f.level, lang)}] {f.ent}: {cli_text.translate(f.message, lang)}")
    errors = sum(f.level == "error" for f in findings)
    summary = cli_text.say("{count} ENT(s) checked: {errors} error(s)", lang, count=len(ents), errors=errors)
    print(summary + ("" if errors else cli_text.translate(", ready to try a login", lang)))
    return EXIT_PROBLEM if errors else 0


def _try(args: argparse.Namespace) -> int:
    try:
        from cybercollege.client.login import LoginFailed, login, logout
    except ImportError as exc:  # installed without the client's login (pip install 'cybercollege[client]')
        missing = f"the client's login is not installed ({exc.name}): pip install 'cybercollege[client]'"
        print(f"cybercollege ent try: {missing}", file=sys.stderr)
        return EXIT_USAGE

    server = (args.url or os.environ.get("CYBERCOLLEGE_PUBLIC_URL") or "http://127.0.0.1:8765").rstrip("/")

    def open_browser(url: str) -> None:
        """The system browser; on a machine without one, the address to open by hand (on this machine)."""
        print(f"if no browser opens, open this address in a browser on this machine:\n  {url}", flush=True)
        webbrowser.open(url)

    async def attempt() -> dict[str, object]:
        await _offers(server, args.name)
        tokens = await login(server, ent=args.name, timeout=300, open_browser=open_browser)
        try:
            return await _identity(server, tokens.access_token)
        finally:
            await logout(server, tokens.access_token)

    print(f"opening the browser to sign in with {args.name} on {server}…", flush=True)
    try:
        claims = asyncio.run(attempt())
    except LoginFailed as exc:
        print(f"cybercollege ent try: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    for label, key in (
        ("name shown", "name"),
        ("role", "role"),
        ("school UAI", "uai"),
        ("classes", "cls"),
        ("groups", "grp"),
        ("user id", "sub"),
    ):
        value = claims.get(key)
        print(f"{label:>10}: {', '.join(map(str, value)) if isinstance(value, list) else value or '-'}")
    print("signed out again: nothing entered the world")
    return 0


async def _offers(server: str, ent: str) -> None:
    """Fail at once, saying what to do, when no server answers or it does not offer ``ent``."""
    import aiohttp

    from cybercollege.client.login import LoginFailed

    try:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(f"{server}/auth/ents") as resp:
            data = await resp.json() if resp.status == 200 else {}
    except (aiohttp.ClientError, TimeoutError, ValueError):
        raise LoginFailed(
            f"no Cybercollège server answers at {server}: start it first "
            "(cybercollege serve --ent-config FILE --public-url URL), or give its address with --url"
        ) from None
    offered = [e.get("id") for e in data.get("ents", []) if isinstance(e, dict)]
    if ent not in offered:
        raise LoginFailed(
            f"the server at {server} offers no ENT {ent!r} (it offers: {', '.join(map(str, offered)) or 'none'}): "
            "restart it with --ent-config pointing at the ENT file"
        )


async def _identity(server: str, access_token: str) -> dict[str, object]:
    import aiohttp

    from cybercollege.client.login import LoginFailed

    headers = {"Authorization": f"Bearer {access_token}"}
    async with aiohttp.ClientSession() as http, http.get(f"{server}/auth/me", headers=headers) as resp:
        if resp.status != 200:
            raise LoginFailed(f"the server did not say who signed in (HTTP {resp.status})")
        data = await resp.json()
    return data if isinstance(data, dict) else {}
