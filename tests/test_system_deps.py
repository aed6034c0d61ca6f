"""scripts/system-deps: the one list of Debian packages behind `make run`, `make test` and
.ci/run. Run with a fake ``id``, ``dpkg-query`` and ``apt-get`` first on PATH, so each
case (root or not, which packages are missing) is the same on any machine."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "system-deps"
# the packages the script checks with dpkg-query alone, in its order
DPKG_RUN = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"]


def fake_bin(tmp_path: Path, uid: int, missing: list[str]) -> Path:
    """``id -u`` prints uid; dpkg-query says every package but ``missing`` is installed;
    apt-get appends its arguments to apt.log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "id": f'#!/bin/sh\n[ "$1" = -u ] && echo {uid} && exit 0\nexec /usr/bin/id "$@"\n',
        "dpkg-query": (
            "#!/bin/sh\n"
            "for pkg; do :; done\n"  # the last argument is the package
            f'case " {" ".join(missing)} " in *" $pkg "*) exit 1 ;; esac\n'
            "printf 'install ok installed'\n"
        ),
        "apt-get": f'#!/bin/sh\necho "$*" >> {tmp_path / "apt.log"}\n',
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def run(tmp_path: Path, what: str, *, uid: int, missing: list[str]) -> subprocess.CompletedProcess[str]:
    bin_dir = fake_bin(tmp_path, uid, missing)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run([str(SCRIPT), what], capture_output=True, text=True, env=env, timeout=60)


def file_checked_missing() -> list[str]:
    """poppler-utils and chromium count as present by their programs (postgresql by the
    fake dpkg-query, or by an initdb)."""
    out = []
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        out.append("poppler-utils")
    if not os.access("/usr/bin/chromium", os.X_OK):
        out.append("chromium")
    return out


def test_not_root_test_stops_with_one_line_naming_the_packages(tmp_path: Path) -> None:
    res = run(tmp_path, "test", uid=1000, missing=DPKG_RUN)
    names = " ".join(DPKG_RUN + file_checked_missing())
    assert res.returncode == 1
    assert res.stderr == (
        f"system-deps: make test needs these Debian packages; as root run: apt-get install {names}\n"
    )
    assert not (tmp_path / "apt.log").exists()


def test_not_root_run_names_only_what_the_desk_needs_and_carries_on(tmp_path: Path) -> None:
    res = run(tmp_path, "run", uid=1000, missing=["fonts-dejavu-core", "postgresql"])
    assert res.returncode == 0
    assert res.stderr == (
        "system-deps: make run needs these Debian packages; as root run: apt-get install fonts-dejavu-core\n"
    )


def test_root_installs_the_missing_ones_with_apt_get(tmp_path: Path) -> None:
    res = run(tmp_path, "test", uid=0, missing=["libpango-1.0-0", "fonts-dejavu-core"])
    assert res.returncode == 0, res.stderr
    names = " ".join(["libpango-1.0-0", "fonts-dejavu-core", *file_checked_missing()])
    assert (tmp_path / "apt.log").read_text().splitlines() == [
        "update -qq",
        f"install -y -qq --no-install-recommends {names}",
    ]


def test_nothing_missing_is_silent(tmp_path: Path) -> None:
    res = run(tmp_path, "run", uid=1000, missing=[])
    assert (res.returncode, res.stderr) == (0, "")
    if not file_checked_missing():  # on a machine that has them all, as make test leaves it
        (tmp_path / "bin").rename(tmp_path / "bin-run")
        res = run(tmp_path, "test", uid=1000, missing=[])
        assert (res.returncode, res.stderr) == (0, "")


def test_a_wrong_argument_is_refused(tmp_path: Path) -> None:
    res = run(tmp_path, "serve", uid=1000, missing=[])
    assert res.returncode == 2 and res.stderr == "usage: scripts/system-deps run|test\n"
