"""Generates the reference part of docs/protocol.md from the declarations, so the two never drift.

python -m cybercollege.protocol.spec            # print the generated reference
python -m cybercollege.protocol.spec --write    # replace it inside docs/protocol.md
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from cybercollege.protocol import limits as L
from cybercollege.protocol.errors import CloseCode, ErrorCode
from cybercollege.protocol.messages import RECORDS, TO_CLIENT, TO_SERVER, Anim, Schema

BEGIN = "<!-- BEGIN GENERATED REFERENCE (python -m cybercollege.protocol.spec --write) -->"
END = "<!-- END GENERATED REFERENCE -->"
DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"


def _fields(schema: Schema, offset: int) -> list[str]:
    rows = ["| index | field | type and limits | required |", "| ---: | --- | --- | --- |"]
    required = schema.required
    for i, (name, spec) in enumerate(schema.fields):
        rows.append(f"| {i + offset} | `{name}` | {spec.wire} | {'yes' if i < required else 'no'} |")
    return rows


def _doc(cls: type) -> str:
    return " ".join((inspect.getdoc(cls) or "").split())


def _message(schema: Schema) -> list[str]:
    out = [f"#### {schema.code} `{schema.name.upper()}`", "", _doc(schema.cls), ""]
    if schema.fields:
        out += ["Wire form: `[" + ", ".join([str(schema.code)] + [n for n, _ in schema.fields]) + "]`", ""]
        out += _fields(schema, 1)
    else:
        out += [f"Wire form: `[{schema.code}]`"]
    return [*out, ""]


def reference() -> str:
    out = [BEGIN, "", "### Limits", "", "| constant | value |", "| --- | ---: |"]
    for name, value in vars(L).items():
        if name.isupper():
            out.append(f"| `{name}` | {value!r} |")
    out += ["", "### Records", ""]
    for cls in RECORDS:
        schema: Schema = cls.__protocol__  # type: ignore[attr-defined]
        out += [f"#### `{schema.name}`", "", _doc(cls), ""]
        out += ["Wire form: `[" + ", ".join(n for n, _ in schema.fields) + "]`", ""]
        out += [*_fields(schema, 0), ""]
    out += ["### Messages from client to server", ""]
    for code in sorted(TO_SERVER):
        out += _message(TO_SERVER[code])
    out += ["### Messages from server to client", ""]
    for code in sorted(TO_CLIENT):
        out += _message(TO_CLIENT[code])
    out += ["### Animation states (`anim`)", "", "| value | name |", "| ---: | --- |"]
    out += [f"| {a.value} | {a.name} |" for a in Anim]
    out += ["", "### Error codes (`ERROR.code`)", "", "| code | name |", "| ---: | --- |"]
    out += [f"| {e.value} | `{e.name}` |" for e in ErrorCode]
    out += ["", "### WebSocket close codes", "", "| code | name |", "| ---: | --- |"]
    out += [f"| {c.value} | `{c.name}` |" for c in CloseCode]
    return "\n".join([*out, "", END])


def write(path: Path = DOC) -> None:
    text = path.read_text("utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(head + reference() + tail, "utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    else:
        print(reference())
