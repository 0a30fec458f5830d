"""Packaging: `pip install ./bindings/python` offline into a clean virtual environment."""
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO

PKG = os.path.join(REPO, "bindings", "python")


def venv_python():
    """An interpreter that can create a venv with pip (Debian's python3 lacks ensurepip
    unless python3-venv is installed)."""
    cands = [os.environ.get("KINESIS_VENV_PYTHON"), sys.executable, shutil.which("python3")]
    for c in cands:
        if c and subprocess.run([c, "-c", "import ensurepip, venv"],
                                capture_output=True).returncode == 0:
            return c
    if os.environ.get("CI") == "true":
        pytest.fail("no python3 with ensurepip/venv found")
    pytest.skip("no python3 with ensurepip/venv found")


def test_wheel_contents(tmp_path):
    sys.path.insert(0, os.path.join(PKG, "_build"))
    try:
        import libkinesis_build as backend
    finally:
        sys.path.pop(0)
    assert backend.get_requires_for_build_wheel() == []
    name = backend.build_wheel(str(tmp_path))
    with zipfile.ZipFile(tmp_path / name) as z:
        names = set(z.namelist())
        assert "libkinesis/py.typed" in names
        assert "libkinesis/__init__.py" in names and "libkinesis/_model.py" in names
        assert "libkinesis-0.1.0.dist-info/RECORD" in names
        assert "Tag: py3-none-any" in z.read("libkinesis-0.1.0.dist-info/WHEEL").decode()
    sdist = backend.build_sdist(str(tmp_path))
    assert sdist.endswith(".tar.gz")


def test_pip_install_offline_into_clean_venv(tmp_path):
    py = venv_python()
    venv = tmp_path / "venv"
    subprocess.run([py, "-m", "venv", str(venv)], check=True)
    vpy = str(venv / "bin" / "python")
    assert subprocess.run([vpy, "-c", "import wheel"], capture_output=True).returncode != 0
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    if env.get("LIBKINESIS_LIBRARY"):
        env["LIBKINESIS_LIBRARY"] = os.path.abspath(env["LIBKINESIS_LIBRARY"])
    p = subprocess.run([vpy, "-m", "pip", "install", "--no-index", PKG], env=env,
                       capture_output=True, text=True, cwd=str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    code = ("import libkinesis, os; assert libkinesis.__file__.startswith(%r); "
            "r = libkinesis.aggregate([{'PartitionKey': 'k', 'Data': b'x'}] * 3); "
            "print(len(list(libkinesis.deaggregate(r))))" % str(venv))
    p = subprocess.run([vpy, "-c", code], env=env, capture_output=True, text=True,
                       cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "3"
