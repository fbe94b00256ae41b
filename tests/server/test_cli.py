"""``--help`` of every subcommand prints its usage (a ``%`` in a help text once crashed ``serve --help``)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from cybercollege.server.edge import cli

ROOT = Path(__file__).resolve().parents[2]


def subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of ``parser`` (``("ent", "check")``...), found in the parser itself."""
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += subcommands(child, (*prefix, name))
    return found


COMMANDS = subcommands(cli.build_parser()) + [(name,) for name in cli.PASS_THROUGH]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "cybercollege")
def test_help_of_every_subcommand(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage:") and "Traceback" not in out


def test_the_readme_run_command_passes_help_through():
    done = subprocess.run([sys.executable, "dev.py", "run", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--ent-config" in done.stdout and "--public-url" in done.stdout


def test_ent_try_without_a_server_says_what_to_do(capsys):
    assert cli.main(["ent", "try", "monent", "--url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "no Cybercollège server answers at http://127.0.0.1:9: start it first" in err and "Traceback" not in err
