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
