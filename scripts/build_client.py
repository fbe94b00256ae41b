"""Build the installable client: ``python3 dev.py build-client [--platforms linux,windows,macos-arm64,...]``.

Panda3D's ``build_apps`` / ``bdist_apps`` freeze ``client/installed.py`` (and the client, the protocol and the
world model it imports) with each target platform's wheels from PyPI, from this Linux machine. Output in
``dist/client/``: ``cybercollege-<version>-<platform>.tar.gz`` (Linux), ``.zip`` (Windows, macOS: the .app in a
zip), the Windows NSIS installer ``.exe`` when Debian's ``makensis`` is installed, and ``downloads.json``
(what the world server serves: server/edge/downloads.py). Intermediate files stay under ``build/client/``
(``--clean`` removes them; the wheels are kept for the next build).

Each known failure of build_apps for these targets (seen without the workaround: /work/shared/FIELD-NOTES.md)
is solved below, in the function that says why. Needs ``patchelf`` (Linux OpenSSL) and
``binutils-mingw-w64-x86-64`` (Windows ``python3.dll``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "client"
DIST = ROOT / "dist" / "client"
NAME = "cybercollege"

PLATFORMS = {
    "linux": "manylinux2014_x86_64",
    "windows": "win_amd64",
    "macos-x86_64": "macosx_11_0_x86_64",
    "macos-arm64": "macosx_11_0_arm64",
}
"""Our names for build_apps' targets. macosx_10_9 has no Pillow wheel; macOS 11 is the oldest the wheels serve."""

INSTALLERS = {
    "manylinux2014_x86_64": ["gztar"],
    "win_amd64": ["zip", "nsis"],
    "macosx_11_0_x86_64": ["zip"],
    "macosx_11_0_arm64": ["zip"],
}

REQUIREMENTS = ["panda3d", "aiohttp", "numpy", "pillow", "segno", "aiortc", "av", "msgpack", "pydantic"]
"""What the client imports (pyproject.toml's ``client`` extra, without our own package); versions from the lock."""

UNPINNED = {
    platform: {"av", "pillow", "numpy"}
    for platform in ("manylinux2014_x86_64", "macosx_11_0_x86_64", "macosx_11_0_arm64")
}
"""Left to pip per platform: av 18, and the newest Pillow and numpy, have no manylinux2014 wheel (panda3d has
no manylinux_2_28 one) and need a macOS newer than 11: these builds get the newest that has one (av 14, with
aiortc 1.16)."""

DATA = ["client/locale/*.json", "assets/fonts/*", "assets/textures/*.png"]
"""The client's data files, laid out under ``cybercollege/`` as in the installed package (client/installed.py)."""

EXCLUDED_MODULES = [
    "tkinter",
    "_tkinter",
    "uvloop",
    "charset_normalizer",
    "IPython",
    "setuptools",
    "pkg_resources",
    "distutils",
    "curses",
    "_curses",
    "pip",
    "pytest",
    "_pytest",
    "pydoc",
    "unittest",
    "lib2to3",
    "idlelib",
    "ensurepip",
]
"""Optional imports of our dependencies that the freezer would take from this machine (uvloop, tkinter, curses...):
they are not the target's, and a school PC does not need them."""

HIDDEN_MODULES = ["_cffi_backend"]
"""Imported from C only (pylibsrtp's and cryptography's cffi bindings): the freezer cannot see it."""

WHOLE_PACKAGES = {"av": "av", "numpy": "numpy/_core"}
"""Wheel name -> folder whose every module is frozen, as they are imported from C, where the freezer cannot follow:
av's compiled submodules ("No module named 'av.buffer'" at start; "av.*" in include_modules does not expand),
numpy 2.4's ``_core`` (its C core imports ``numpy._core._exceptions``: "Importing the numpy C-extensions failed"
on Windows)."""

PACKAGE_LIB_DIRS = {"google_crc32c": [("google_crc32c/extra-dll", None)]}
"""Windows: google-crc32c keeps ``crc32c.dll`` in ``extra-dll``, where build_apps does not look ("crc32c.dll
not found" on import)."""


def version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version = "([^"]+)"', text, re.M)
    assert found, "pyproject.toml has a version"
    return found.group(1)


def stage_of(platform: str) -> Path:
    """Where a platform's build is staged (one per platform: builds of two platforms may run at once)."""
    return BUILD / f"stage-{platform}"


def stage(platform: str) -> None:
    """The tree build_apps freezes and copies: our packages as ``cybercollege.*`` under ``data/`` (beside the
    executable, also named ``cybercollege``), their data files, the entry point and the CA bundle."""
    stage = stage_of(platform)
    if stage.exists():
        shutil.rmtree(stage)
    package = stage / "data" / NAME
    for folder in ("client", "protocol", "worlds"):
        shutil.copytree(ROOT / folder, package / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (package / "__init__.py").write_text('"""Cybercollège (the built client)."""\n', encoding="utf-8")
    for pattern in DATA:
        for path in ROOT.glob(pattern):
            target = package / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    shutil.copyfile(ROOT / "client" / "installed.py", stage / "main.py")
    import certifi

    shutil.copyfile(certifi.where(), stage / "data" / "cacert.pem")
    (package / "client" / "build.json").write_text(json.dumps({"version": version()}), encoding="utf-8")


def requirements(platform: str) -> Path:
    """The platform's requirements file: the client's dependencies at the lock's versions, except UNPINNED."""
    locked = dict(re.findall(r"^([a-z0-9_.-]+)==(\S+)", (ROOT / "requirements.lock").read_text(), re.M))
    free = UNPINNED.get(platform, set())
    lines = [name if name in free else f"{name}=={locked[name]}" for name in REQUIREMENTS]
    path = BUILD / f"requirements-{platform}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def modules_in(wheel: Path, folder: str) -> list[str]:
    """Every module under ``folder`` in ``wheel``, compiled ones included (``av/buffer.cpython-311-....so`` ->
    ``av.buffer``), tests left out."""
    names = set()
    with zipfile.ZipFile(wheel) as whl:
        for member in whl.namelist():
            if member.startswith(folder + "/") and member.endswith((".py", ".so", ".pyd")) and "/tests/" not in member:
                stem = member.rsplit(".", 1)[0].split(".", 1)[0] if not member.endswith(".py") else member[:-3]
                names.add(stem.replace("/", ".").removesuffix(".__init__"))
    return sorted(names)


def patch_freezer() -> None:
    """What build_apps gets wrong for these targets, fixed before it runs."""
    from direct.dist import FreezeTool, commands

    commands.PACKAGE_LIB_DIRS.update(PACKAGE_LIB_DIRS)
    init = FreezeTool.Freezer.__init__

    def compiled_first(self, *args, **kwargs):
        # Cross-building, the freezer tries ``.py`` before ``.pyd``/``.so``; av >= 15 ships ``foo.py`` (typing
        # stubs) beside ``foo.pyd``, so the Windows build froze the stubs and dropped the binaries.
        init(self, *args, **kwargs)
        self.moduleSuffixes.sort(key=lambda suffix: suffix[2] != 3)  # 3: a C extension

    FreezeTool.Freezer.__init__ = compiled_first
    generate = FreezeTool.Freezer.generateRuntimeFromStub

    def remember(self, *args, **kwargs):
        result = generate(self, *args, **kwargs)
        FROZEN.update(self.getAllModuleNames())
        NATIVE.update(name for name, _ in self.extras)
        return result

    FreezeTool.Freezer.generateRuntimeFromStub = remember


FROZEN: set[str] = set()
"""Module names the freezer took, this platform (our own ones are imported by the build's check)."""
NATIVE: set[str] = set()
"""The compiled modules among them (each one's native library must be in the build)."""


def build_apps_command():
    """build_apps with the per-platform workarounds."""
    from direct.dist.commands import build_apps

    class BuildApps(build_apps):
        def download_wheels(self, platform):
            wheels = super().download_wheels(platform)
            hidden = list(HIDDEN_MODULES)
            for wheel in wheels:
                folder = WHOLE_PACKAGES.get(os.path.basename(wheel).split("-", 1)[0])
                if folder:
                    hidden += modules_in(Path(wheel), folder)
            self.include_modules = {"*": hidden}
            self.exclude_modules = {"*": EXCLUDED_MODULES}
            return wheels

        def build_runtimes(self, platform, use_wheels):
            FROZEN.clear()
            NATIVE.clear()
            super().build_runtimes(platform, use_wheels)
            builddir = Path(self.build_base) / platform
            if platform.startswith("manylinux"):
                bundle_openssl(builddir)
            if platform.startswith("win"):
                forwarding_python3_dll(builddir)
                bundle_vcruntime(builddir)
            if platform == "macosx_11_0_arm64":
                # Panda3D's macOS libraries are universal; only their x86_64 slices load NVIDIA's Cg, which has no
                # arm64 build: build_apps copies it all the same (20 MB no Apple silicon Mac can load).
                (builddir / f"{NAME}.app" / "Contents" / "Frameworks" / "libCg.dylib").unlink(missing_ok=True)
            data = builddir / f"{NAME}.app" / "Contents" / "Resources" if "macosx" in platform else builddir
            checked = sorted(n for n in FROZEN if n.startswith(NAME + ".")) + sorted(NATIVE)
            (data / "data" / "modules.txt").write_text("\n".join(checked) + "\n", encoding="utf-8")
            (data / "data" / "native.json").write_text(json.dumps(sorted(NATIVE)), encoding="utf-8")

    return BuildApps


def bundle_openssl(builddir: Path) -> None:
    """Linux: the panda3d manylinux2014 wheel's ``_ssl``/``_hashlib`` need OpenSSL >= 3.3 from the system
    (``OPENSSL_3.3.0 not found`` on Debian 12, Ubuntu 22.04 and 24.04). Ship the OpenSSL 3 that psycopg-binary's
    manylinux2014 wheel bundles, renamed to the sonames ``_ssl`` asks for, found beside it ($ORIGIN)."""
    wheels = BUILD / "openssl"
    if not any(wheels.glob("psycopg_binary-*.whl")):
        pip_download("psycopg-binary", "manylinux2014_x86_64", wheels)
    wheel = next(wheels.glob("psycopg_binary-*.whl"))
    renamed = {}
    with zipfile.ZipFile(wheel) as whl:
        for member in whl.namelist():
            found = re.match(r"psycopg_binary\.libs/(libssl|libcrypto)-[^/]+\.so\.3$", member)
            if found:
                soname = f"{found.group(1)}.so.3"
                renamed[os.path.basename(member)] = soname
                (builddir / soname).write_bytes(whl.read(member))
    assert set(renamed.values()) == {"libssl.so.3", "libcrypto.so.3"}, f"no OpenSSL in {wheel.name}"
    for soname in renamed.values():  # libssl asks for libcrypto by its wheel name: by its soname now
        lib = str(builddir / soname)
        subprocess.run(["patchelf", "--set-soname", soname, lib], check=True)
        for wheel_name, other in renamed.items():
            subprocess.run(["patchelf", "--replace-needed", wheel_name, other, lib], check=True)
        subprocess.run(["patchelf", "--set-rpath", "$ORIGIN", lib], check=True)
    for module in builddir.glob("*.so"):
        needed = subprocess.run(["patchelf", "--print-needed", str(module)], capture_output=True, text=True).stdout
        if "libssl.so.3" in needed or "libcrypto.so.3" in needed:
            subprocess.run(["patchelf", "--set-rpath", "$ORIGIN", str(module)], check=True)


def forwarding_python3_dll(builddir: Path) -> None:
    """Windows: the panda3d wheel has ``python311.dll`` but no ``python3.dll``, which the stable-ABI modules
    (cryptography's ``_rust``, pylibsrtp, av 18) link against ("DLL load failed while importing _rust"). Make one
    whose every export forwards to ``python311.dll`` (mingw's ``ld`` links it from a .def file)."""
    full = next(builddir.glob("python3?*.dll"))
    dump = subprocess.run(
        ["x86_64-w64-mingw32-objdump", "-p", str(full)], capture_output=True, text=True, check=True
    ).stdout
    table = dump.split("[Ordinal/Name Pointer] Table", 1)[1]
    names = re.findall(r"^\s*\[\s*\d+\]\s+(?:\+base\[\s*\d+\]\s+\w+\s+)?(\S+)$", table, re.M)
    assert len(names) > 1000, f"{full.name}'s exports not read"
    target = full.stem
    definition = BUILD / "python3.def"
    definition.write_text("LIBRARY python3.dll\nEXPORTS\n" + "".join(f"  {n}={target}.{n}\n" for n in names))
    subprocess.run(
        ["x86_64-w64-mingw32-ld", "--dll", "-e", "0", "-o", str(builddir / "python3.dll"), str(definition)], check=True
    )


def bundle_vcruntime(builddir: Path) -> None:
    """Windows: numpy 2.4's core links ``VCRUNTIME140_1.dll``, which python.org's Python ships beside itself and
    the panda3d wheel does not (only ``VCRUNTIME140.dll``): a PC without the Visual C++ redistributable could not
    import numpy. Ship Microsoft's redistributable DLL, from the ``msvc-runtime`` wheel."""
    wheels = BUILD / "msvc-runtime"
    if not any(wheels.glob("msvc_runtime-*.whl")):
        pip_download("msvc-runtime", "win_amd64", wheels)
    with zipfile.ZipFile(next(wheels.glob("msvc_runtime-*.whl"))) as whl:
        member = next(m for m in whl.namelist() if m.lower().endswith("/vcruntime140_1.dll"))
        (builddir / "VCRUNTIME140_1.dll").write_bytes(whl.read(member))


def pip_download(package: str, platform: str, into: Path) -> None:
    """One binary wheel of ``package`` for ``platform``, without its dependencies."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps"]
    command += ["--only-binary", ":all:", "--platform", platform, "--python-version", "3.11", "-d", str(into)]
    subprocess.run([*command, package], check=True)


def build(platform: str, dist: Path, nsis: bool = True) -> list[Path]:
    """One platform's build and installers; returns the installers made."""
    from setuptools import setup

    installers = [kind for kind in INSTALLERS[platform] if nsis or kind != "nsis"]
    if "nsis" in installers and shutil.which("makensis") is None:
        print("makensis not found (Debian: apt-get install nsis): no Windows installer, the zip only", flush=True)
        installers.remove("nsis")
    options = {
        "build_apps": {
            "build_base": str(BUILD / "apps"),
            "platforms": [platform],
            "gui_apps": {NAME: "main.py"},
            "macos_main_app": NAME,
            "requirements_path": str(requirements(platform)),
            "include_patterns": [
                "data/**/*.json",
                "data/**/*.png",
                "data/**/*.ttf",
                "data/**/*.otf",
                "data/**/*.txt",
                "data/cacert.pem",
            ],
            "exclude_patterns": ["**/*.py", "main.py"],
            "plugins": ["pandagl", "p3headlessgl", "p3openal_audio"],
            # A Windows or macOS GUI program has no console: what Python prints goes to this file. On Linux it
            # stays on the terminal (started from one, or from a launcher that keeps it).
            "log_filename": None if platform.startswith("manylinux") else "$USER_APPDATA/Cybercollege/output.log",
            "log_append": False,
            # The default Panda3D index (optimized wheels, thirdparty) is unreachable here: pip retried each
            # package for about 17 s. PyPI's wheels are the same code, with asserts kept.
            "use_optimized_wheels": False,
            "pypi_extra_indexes": [],
        },
        "bdist_apps": {"installers": {platform: installers}, "dist_dir": str(dist)},
    }
    cwd = os.getcwd()
    os.chdir(stage_of(platform))
    sys.path.insert(
        0, str(stage_of(platform) / "data")
    )  # the freezer finds cybercollege.* here, not in the editable install
    try:
        setup(
            name=NAME,
            version=version(),
            options=options,
            cmdclass={"build_apps": build_apps_command()},
            script_args=["-q", "bdist_apps"],
        )
    finally:
        os.chdir(cwd)
        sys.path.remove(str(stage_of(platform) / "data"))
    installer = BUILD / "apps" / f"{NAME}-{version()}.exe"
    if installer.exists():  # bdist_apps has makensis write it beside its .nsi script, not into dist_dir
        installer.replace(dist / f"{NAME}-{version()}_{platform}.exe")
    return sorted(dist.glob(f"{NAME}-{version()}_{platform}.*"))


def manifest(made: dict[str, list[Path]], dist: Path) -> None:
    """``dist/client/downloads.json``: each platform's files, their size and SHA-256 (merged with earlier runs)."""
    path = dist / "downloads.json"
    entries = json.loads(path.read_text()) if path.exists() else {}
    files = entries.get("files", {})
    for platform, paths in made.items():
        files[platform] = [{"file": p.name, "bytes": p.stat().st_size, "sha256": sha256(p)} for p in paths]
    path.write_text(json.dumps({"version": version(), "files": files}, indent=2) + "\n", encoding="utf-8")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 dev.py build-client", description=__doc__.split("\n")[0])
    p.add_argument("--platforms", default=",".join(PLATFORMS), help=f"comma-separated: {', '.join(PLATFORMS)}")
    p.add_argument("--clean", action="store_true", help="then remove the intermediate files (not the wheels)")
    p.add_argument("--no-installer", action="store_true", help="Windows: the zip only, no NSIS installer (faster)")
    p.add_argument("--dist", type=Path, default=DIST, help=f"output folder (default: {DIST.relative_to(ROOT)})")
    args = p.parse_args(argv)
    chosen = [name.strip() for name in args.platforms.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in PLATFORMS]
    if unknown:
        p.error(f"unknown platform {', '.join(unknown)}; choose among {', '.join(PLATFORMS)}")
    dist = args.dist.resolve()
    if len(chosen) > 1:  # a process per platform: setuptools' setup() cannot run twice in one (KeyError: distutils)
        flags = ["--no-installer"] * args.no_installer + ["--clean"] * args.clean
        for name in chosen:
            subprocess.run([sys.executable, __file__, "--platforms", name, "--dist", str(dist), *flags], check=True)
        return 0
    os.environ.setdefault("PIP_CACHE_DIR", str(BUILD / "pip-cache"))  # nothing cached outside the clone
    BUILD.mkdir(parents=True, exist_ok=True)
    dist.mkdir(parents=True, exist_ok=True)
    platform = PLATFORMS[chosen[0]]
    stage(platform)
    patch_freezer()
    start = time.monotonic()
    made = {platform: build(platform, dist, nsis=not args.no_installer)}
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in made[platform])
    print(f"{chosen[0]}: {sizes} in {time.monotonic() - start:.0f} s", flush=True)
    manifest(made, dist)
    if args.clean:  # the build's tree and the stage (the wheels stay, for the next build)
        shutil.rmtree(BUILD / "apps" / platform, ignore_errors=True)
        shutil.rmtree(stage_of(platform), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
