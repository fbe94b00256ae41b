"""The macOS builds (Intel and Apple silicon), downloaded from a world server: no Mac here to start them, so their
contents are checked: a complete .app for the right processor, its data and server file, every compiled module's
library, and every library those load from inside the bundle.

Not checked here: the signature. build_apps changes libraries after they were signed; Apple silicon refuses a
broken ad-hoc signature, so the .app is signed again on a Mac (docs/client.md, "On school PCs")."""

from __future__ import annotations

import json
import plistlib
import struct
from pathlib import Path

import pytest

from tests.installers.conftest import download, missing_native, unpack

pytestmark = pytest.mark.installers

CPU = {"macos-arm64": 0x0100000C, "macos-x86_64": 0x01000007}
"""Mach-O cputype values: CPU_TYPE_ARM64, CPU_TYPE_X86_64."""
LOAD_DYLIB = {0xC, 0x80000018, 0x8000001F}  # LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB


def macho(path: Path) -> dict[int, list[str]] | None:
    """A Mach-O file's slices: cputype -> the libraries that slice loads (thin or universal); None if not one."""
    data = path.read_bytes()
    if data[:4] == b"\xca\xfe\xba\xbe":  # universal: big-endian table of (cputype, subtype, offset, size, align)
        count = struct.unpack_from(">I", data, 4)[0]
        arches = [struct.unpack_from(">iiIII", data, 8 + 20 * n) for n in range(count)]
        return {cpu: thin(data, offset)[1] for cpu, _, offset, _, _ in arches if data[offset : offset + 4] == MAGIC}
    if data[:4] != MAGIC:
        return None
    cputype, loads = thin(data, 0)
    return {cputype: loads}


def thin(data: bytes, base: int) -> tuple[int, list[str]]:
    """The cputype of the 64-bit Mach-O image at ``base`` and the libraries it loads."""
    cputype, ncmds = struct.unpack_from("<i", data, base + 4)[0], struct.unpack_from("<I", data, base + 16)[0]
    offset, loads = base + 32, []
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, offset)
        if cmd in LOAD_DYLIB:
            start = offset + struct.unpack_from("<I", data, offset + 8)[0]
            loads.append(data[start : data.index(b"\0", start)].decode())
        offset += size
    return cputype, loads


MAGIC = b"\xcf\xfa\xed\xfe"
"""A 64-bit Mach-O image (the slices of 32-bit processors in universal files are not ours)."""
BUNDLE_PATHS = ("@loader_path/", "@rpath/", "@executable_path/")
TARGETS = [("macos-arm64", "macosx_11_0_arm64"), ("macos-x86_64", "macosx_11_0_x86_64")]


@pytest.mark.parametrize("name, platform", TARGETS)
async def test_macos_build_is_a_complete_app_for_its_processor(built, serve, tmp_path, name, platform):
    dist = built(name)
    async with serve(dist) as server:
        archive = await download(server.url, platform, ".zip", tmp_path)
        url = server.url
    contents = unpack(archive, tmp_path / "mac") / "cybercollege.app" / "Contents"
    info = plistlib.loads((contents / "Info.plist").read_bytes())
    assert info["CFBundleExecutable"] == "cybercollege" and info["CFBundlePackageType"] == "APPL"
    program = contents / "MacOS" / "cybercollege"
    assert program.stat().st_mode & 0o111, "the program keeps its executable bit through the zip"
    data = contents / "Resources" / "data"
    assert json.loads((data / "server.json").read_text()) == {"url": url}
    for needed in ("cacert.pem", "cybercollege/client/locale/fr.json", "cybercollege/client/locale/de.json",
                   "cybercollege/assets/fonts/DejaVuSans.ttf", "cybercollege/client/build.json"):  # fmt: skip
        assert (data / needed).is_file(), needed

    frameworks = contents / "Frameworks"
    assert missing_native(contents, data, ".so", libraries=frameworks) == []
    bundled = {p.name for p in frameworks.iterdir()}
    binaries = [program, *frameworks.iterdir()]
    unresolved, wrong_cpu = [], []
    for binary in binaries:
        parsed = macho(binary)
        if parsed is None:
            continue
        if CPU[name] not in parsed:
            wrong_cpu.append(binary.name)
            continue
        for lib in parsed[CPU[name]]:
            if lib.startswith(BUNDLE_PATHS) and lib.rsplit("/", 1)[1] not in bundled:
                unresolved.append(f"{binary.name} -> {lib}")
    assert wrong_cpu == [], f"built for another processor: {wrong_cpu}"
    assert unresolved == [], "libraries loaded from the bundle but not in it"
    assert macho(program) is not None and len([b for b in binaries if macho(b)]) > 100
