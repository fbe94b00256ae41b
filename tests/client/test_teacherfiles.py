"""Where the teacher's downloads are saved, and the refusals of an upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from cybercollege.client import teacherfiles
from cybercollege.client.teacherfiles import FileRefused, documents_dir, save, upload_slides
from tests.client.test_teacher_panel import demo


def test_documents_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("CYBERCOLLEGE_DOCUMENTS", str(tmp_path))
    assert documents_dir() == tmp_path
    monkeypatch.delenv("CYBERCOLLEGE_DOCUMENTS")
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    assert documents_dir() == tmp_path / "Cybercollege"
    (tmp_path / "Documents").mkdir()
    assert documents_dir() == tmp_path / "Documents" / "Cybercollege"


def test_save_never_overwrites_and_keeps_names_safe(tmp_path):
    assert save(tmp_path, "tableau-103:groupe-1.pdf", b"1") == tmp_path / "tableau-103-groupe-1.pdf"
    assert save(tmp_path, "tableau-103:groupe-1.pdf", b"2") == tmp_path / "tableau-103-groupe-1-2.pdf"
    assert save(tmp_path, "../../etc/passwd", b"3").parent == tmp_path
    assert (tmp_path / "tableau-103-groupe-1.pdf").read_bytes() == b"1"


async def test_uploads_refused(server, http, tmp_path, monkeypatch):
    pupil = await demo(http, server, "lea.martin")
    try:
        slide = tmp_path / "slide.png"
        slide.write_bytes(b"\x89PNG not really")
        with pytest.raises(FileRefused) as refused:  # a pupil
            await upload_slides(http, server.url, pupil.token, "tableau-103", slide)
        assert refused.value.code == "teachers_only"
        monkeypatch.setattr(teacherfiles, "MAX_UPLOAD_BYTES", 4)
        with pytest.raises(FileRefused) as refused:  # too large: refused before sending
            await upload_slides(http, server.url, pupil.token, "tableau-103", slide)
        assert refused.value.code == "upload_too_large"
    finally:
        await pupil.close()
