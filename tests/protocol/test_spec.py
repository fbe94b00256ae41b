"""docs/protocol.md's reference section is generated from the declarations: it must be up to date."""

from cybercollege.protocol.spec import BEGIN, DOC, END, reference


def test_protocol_document_matches_the_code() -> None:
    text = DOC.read_text("utf-8")
    current = BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert current == reference(), "run: python -m cybercollege.protocol.spec --write"


def test_every_message_is_documented_in_the_sequences() -> None:
    text = DOC.read_text("utf-8").split(BEGIN, 1)[0]
    for name in ("HELLO", "WELCOME", "MOVE", "CORRECTION", "USE_DOOR", "ROOM", "SAY", "WHISPER", "CHAT",
                 "BYE", "FRAME", "APPEAR", "VANISH", "PRESENCE", "ERROR", "CLOSING", "PING", "PONG"):
        assert name in text, name


def test_every_demo_login_is_documented_with_its_role_and_classes() -> None:
    from cybercollege.server.auth.directory import DemoDirectory

    text = DOC.read_text("utf-8")
    directory = DemoDirectory.load()
    for login in directory.users:
        who = directory.identity(login)
        assert f"| `{login}` | {who.role.value} | {', '.join(who.classes) or '—'} |" in text, login


def test_the_document_states_one_rule_per_limit() -> None:
    text = DOC.read_text("utf-8").split(BEGIN, 1)[0]
    assert "at most 25" not in text  # updates per FRAME: MAX_UPDATES_PER_FRAME, once
    assert "65,536 bytes" in text and "65,537 bytes" in text
    assert "MALFORMED_BEFORE_CLOSE" in text and "expires_in" in text and "[[rooms.doors]]" in text
