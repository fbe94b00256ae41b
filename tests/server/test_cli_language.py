"""``cybercollege --help`` speaks the user's language: French by default, else LANG / LC_ALL's if it is one of
the five; argparse's own words ("usage:", "options", its errors) too; and every help text has its translations."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cybercollege.server.edge import cli, cli_text

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("cybercollege")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``cybercollege ARGS`` as a user runs it, with only the locale variables given in ``env``."""
    clean = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    command = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "cybercollege.server.edge.cli"]
    return subprocess.run([*command, *args], env=clean | env, cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("env", "usage", "words"),
    [
        ({"LANG": "de_DE.UTF-8"}, "Aufruf: cybercollege", ["Optionen:", "diese Hilfe anzeigen und beenden",
                                                          "den Server starten", "ein ENT anbinden"]),
        ({"LANG": "fr_FR.UTF-8"}, "utilisation : cybercollege", ["options:", "afficher cette aide et quitter",
                                                                 "lancer le serveur du collège"]),
        ({"LANG": "en_GB.UTF-8"}, "usage: cybercollege", ["options:", "show this help message and exit",
                                                         "run the world server"]),
        ({"LANG": "es_ES.UTF-8"}, "uso: cybercollege", ["opciones:", "mostrar esta ayuda y salir"]),
        ({"LANG": "it_IT.UTF-8"}, "uso: cybercollege", ["opzioni:", "mostra questo aiuto ed esci"]),
        ({"LANG": "ja_JP.UTF-8"}, "utilisation : cybercollege", ["afficher cette aide et quitter"]),  # not ours
        ({}, "utilisation : cybercollege", ["afficher cette aide et quitter"]),  # no locale at all
        ({"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "Aufruf:", ["Optionen:"]),  # C says nothing
        ({"LC_ALL": "it_IT.UTF-8", "LANG": "de_DE.UTF-8"}, "uso:", ["opzioni:"]),  # LC_ALL wins
    ],
    ids=["de", "fr", "en", "es", "it", "unknown", "none", "C", "LC_ALL"],
)
def test_help_in_the_users_language(env: dict[str, str], usage: str, words: list[str]) -> None:
    done = run("--help", **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(usage), done.stdout
    for word in words:
        assert word in done.stdout, (word, done.stdout)
    if env.get("LANG") == "de_DE.UTF-8" and "LC_ALL" not in env:
        assert "show this help" not in done.stdout and "run the world server" not in done.stdout


def test_subcommands_and_errors_in_german() -> None:
    serve = run("serve", "--help", LANG="de_DE.UTF-8")
    assert serve.stdout.startswith("Aufruf: cybercollege serve")
    assert "CYBERCOLLEGE_PORT, Standard: 8765; beschrieben in" in serve.stdout
    keys = run("ent", "keys", "--help", LANG="de_DE.UTF-8")
    assert "Gültigkeit in Tagen (Standard: 5 Jahre)" in keys.stdout
    wrong = run("nope", LANG="de_DE.UTF-8")
    assert wrong.returncode == 2
    assert "cybercollege: Fehler: Argument command: ungültige Auswahl: 'nope'" in wrong.stderr
    missing = run("user", LANG="fr_FR.UTF-8")
    assert "cybercollege user : erreur : il manque ces arguments : user_command" in missing.stderr


def english_texts(parser: argparse.ArgumentParser) -> list[str]:
    """Every description and help text of ``parser`` and its subcommands but the serve options' descriptions."""
    settings = set(cli.Settings.model_fields)
    found = [parser.description] if parser.description else []
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS and action.dest not in settings:
            found.append(action.help)
        if isinstance(action, argparse._SubParsersAction):
            found += [choice.help for choice in action._choices_actions if choice.help]
            for child in action.choices.values():
                found += english_texts(child)
    return found


def test_every_help_text_is_translated() -> None:
    texts = set(english_texts(cli.build_parser()))
    assert "validate a world directory or file" in texts  # the walk sees the subcommands
    missing = {text for text in texts if text not in cli_text.TEXTS}
    assert missing == set(), "add them to server/edge/cli_text.py TEXTS"


@pytest.mark.parametrize("lang", ["fr", "de", "es", "it"])
def test_translations_keep_their_placeholders(lang: str) -> None:
    def fields(text: str) -> list[str]:
        return sorted(re.findall(r"%\(\w+\)[sr]|%[sr]|\{\w+\}", text))

    for english, translations in cli_text.TEXTS.items():
        assert lang in translations, f"{english!r} has no {lang}"
        assert fields(translations[lang]) == fields(english), (english, translations[lang])


def test_german_help_says_sie() -> None:
    from tests.client.test_catalogues import INFORMAL_GERMAN

    informal = [t["de"] for t in cli_text.TEXTS.values() if INFORMAL_GERMAN.search(t["de"])]
    assert informal == []


def test_the_language_from_the_environment() -> None:
    assert cli_text.language({"LANG": "de_AT.UTF-8"}) == "de"
    assert cli_text.language({"LANGUAGE": "es:en", "LANG": "de_DE.UTF-8"}) == "es"
    assert cli_text.language({"LC_MESSAGES": "it_IT", "LANG": "en_US.UTF-8"}) == "it"
    assert cli_text.language({"LANG": "POSIX"}) == "fr"
    assert cli_text.language({"LANG": "pt_BR.UTF-8"}) == "fr"


def test_ent_check_speaks_the_users_language(tmp_path: Path) -> None:
    """What ``ent check`` prints (levels, the summary, its messages without a value in them) in German and French."""
    empty = tmp_path / "ents.toml"
    empty.write_text("# no [[ent]] yet\n")
    args = ("ent", "check", "--ent-config", str(empty), "--public-url", "https://college.example")
    german = run(*args, LANG="de_DE.UTF-8")
    assert "[Fehler] -: die ENT-Datei enthält kein [[ent]]: fügen Sie eines pro ENT hinzu" in german.stdout, german
    assert "0 ENT geprüft: 1 Fehler" in german.stdout
    french = run(*args)  # no locale: French
    assert "[erreur] -: le fichier des ENT ne contient aucun [[ent]]" in french.stdout, french
    assert "0 ENT vérifié(s) : 1 erreur(s)" in french.stdout


def test_the_server_says_where_it_runs_in_the_users_language(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    command = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "cybercollege.server.edge.cli"]
    db = f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    proc = subprocess.Popen([*command, "serve", "--demo", "true", "--port", str(port), "--database-url", db],
                            env=clean | {"LANG": "it_IT.UTF-8"}, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        first, second = proc.stdout.readline(), proc.stdout.readline()  # printed before it serves
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert first.startswith(f"Cybercollège (modalità DEMO: utenti fittizi) su http://127.0.0.1:{port}"), first
    assert second.startswith("Ctrl+C arresta il server"), second


def test_every_line_the_bots_print_is_translated() -> None:
    """Each template ``benchmarks/bot.py`` fills in (``text("...")``) has its four translations, in French here."""
    source = (ROOT / "benchmarks" / "bot.py").read_text(encoding="utf-8")
    templates = ["".join(re.findall(r'"((?:[^"\\]|\\.)*)"', call)) for call in
                 re.findall(r'text\(((?:"(?:[^"\\]|\\.)*"\s*)+)', source)]  # fmt: skip
    assert len(templates) >= 8, templates
    assert [t for t in templates if t not in cli_text.TEXTS] == []
    line = cli_text.say("stopped by {signal}", "fr", signal="SIGTERM")
    assert line == "arrêtés par SIGTERM"
