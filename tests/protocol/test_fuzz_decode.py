"""The decoders, fuzzed: coverage-guided (atheris, fuzz/decode.py, a fixed seed and corpus, bounded by runs) and
by Hypothesis with the same nearly valid shapes (fuzz/shapes.py). Whatever the bytes, a decoder either returns
a message that encodes back to itself or raises a ProtocolError with an ErrorCode; the connection answers each
refused message with an ERROR and closes (4000) at the 20th."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybercollege.protocol import Direction, ProtocolError, decode, encode
from fuzz import decode as target
from fuzz import shapes

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fuzz" / "corpus" / "decode"
RUNS = 4000


class DrawnSource:
    """Hypothesis's choices as a :class:`~fuzz.shapes.Source` (so that it shrinks what it finds)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def number(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def blob(self, n: int) -> bytes:
        return self.data.draw(st.binary(max_size=n))


def test_the_coverage_guided_fuzzer_finds_nothing_in_a_fixed_run(tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris is in the dev extra (no Windows wheel)")
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)  # libFuzzer adds to its corpus: not to the committed one
    done = subprocess.run(
        [sys.executable, "-m", "fuzz.decode", f"-atheris_runs={RUNS}", "-seed=1", "-rss_limit_mb=2048",
         f"-artifact_prefix={tmp_path}/", str(corpus)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"Done {RUNS} in" in done.stderr, done.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*")), done.stderr[-4000:]


def test_the_seed_corpus_holds_messages_of_both_directions() -> None:
    decoded = {Direction.TO_SERVER: 0, Direction.TO_CLIENT: 0}
    for path in CORPUS.iterdir():
        data = path.read_bytes()[1:]  # first byte 0: read raw
        for direction in Direction:
            try:
                decode(data, direction)
            except ProtocolError:
                continue
            decoded[direction] += 1
    assert decoded[Direction.TO_SERVER] >= 20 and decoded[Direction.TO_CLIENT] >= 20, decoded


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_nearly_valid_messages_decode_to_themselves_or_are_refused_with_a_code(data: st.DataObject) -> None:
    target.check(shapes.message(DrawnSource(data)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_huge_declared_arrays_maps_and_strings_are_refused(data: st.DataObject) -> None:
    blob = shapes.declared_huge(DrawnSource(data))
    for direction in Direction:
        with pytest.raises(ProtocolError):
            decode(blob, direction)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_a_connection_answers_every_refused_frame_and_closes_at_the_twentieth(data: st.DataObject) -> None:
    target.run(DrawnSource(data), 3)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1024))
def test_raw_bytes_decode_or_are_refused_with_a_code(data: bytes) -> None:
    target.check(data)


def test_an_omitted_list_field_decodes_like_an_empty_one() -> None:
    """Found by Hypothesis: BreakoutStart(30) came back with groups () when omitted and [] when sent."""
    from cybercollege.protocol.classroom import BreakoutStart
    from cybercollege.protocol.teacher import PollOpen

    for msg in (BreakoutStart(30), BreakoutStart(30, [], 0)):
        assert decode(encode(msg), Direction.TO_SERVER) == msg == BreakoutStart(30, [], 0)
    assert decode(encode(PollOpen("?", ["a", "b"])), Direction.TO_SERVER).correct == []
