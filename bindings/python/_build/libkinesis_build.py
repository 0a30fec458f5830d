"""In-tree PEP 517 build backend for the libkinesis Python package.

It writes the wheel (a zip) and the sdist (a tar.gz) itself with the standard library, so
``pip install ./bindings/python`` works offline on a Python without setuptools' ``wheel``
package and without reaching PyPI. The wheel is pure Python (py3-none-any): it loads
libkinesis.so at run time. It also records the source checkout it was built from
(libkinesis/_buildinfo.py), so an installed package can fall back to that checkout's build tree.
"""
import base64
import hashlib
import io
import os
import tarfile
import time
import zipfile

NAME = "libkinesis"
VERSION = "0.1.0"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(HERE, "src", NAME)
DIST_INFO = "%s-%s.dist-info" % (NAME, VERSION)
WHEEL_NAME = "%s-%s-py3-none-any.whl" % (NAME, VERSION)


def _metadata() -> str:
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (
        "Metadata-Version: 2.1\n"
        "Name: %s\n"
        "Version: %s\n"
        "Summary: Python bindings of libkinesis, the C SDK for Amazon Kinesis Data Streams: "
        "boto3-compatible client, KPL aggregation, producer and consumer\n"
        "License: Apache-2.0\n"
        "Requires-Python: >=3.8\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: Typing :: Typed\n"
        "Description-Content-Type: text/markdown\n"
        "\n%s" % (NAME, VERSION, readme)
    )


def _package_files():
    """(archive path, bytes) for every file of the import package."""
    out = []
    for fn in sorted(os.listdir(SRC)):
        if fn.endswith(".py") or fn == "py.typed":
            if fn == "_buildinfo.py":
                continue
            with open(os.path.join(SRC, fn), "rb") as f:
                out.append(("%s/%s" % (NAME, fn), f.read()))
    root = os.path.normpath(os.path.join(HERE, "..", ".."))
    info = ('"""Written by the build backend: the checkout this package was built from."""\n'
            "SOURCE_ROOT = %r\n" % root)
    out.append(("%s/_buildinfo.py" % NAME, info.encode()))
    return out


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def _dist_info_files():
    wheel = ("Wheel-Version: 1.0\nGenerator: libkinesis_build %s\nRoot-Is-Purelib: true\n"
             "Tag: py3-none-any\n" % VERSION)
    return [
        ("%s/METADATA" % DIST_INFO, _metadata().encode("utf-8")),
        ("%s/WHEEL" % DIST_INFO, wheel.encode()),
        ("%s/top_level.txt" % DIST_INFO, (NAME + "\n").encode()),
    ]


def _write_wheel(wheel_directory, files):
    path = os.path.join(wheel_directory, WHEEL_NAME)
    files = files + _dist_info_files()
    records = [_record_line(p, d) for p, d in files]
    records.append("%s/RECORD,," % DIST_INFO)
    files.append(("%s/RECORD" % DIST_INFO, ("\n".join(records) + "\n").encode()))
    stamp = time.gmtime(max(time.time(), 315532800))[:6]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files:
            zi = zipfile.ZipInfo(p, stamp)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, d)
    return WHEEL_NAME


# ---- PEP 517 hooks ----------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = os.path.join(metadata_directory, DIST_INFO)
    os.makedirs(d, exist_ok=True)
    for p, data in _dist_info_files():
        with open(os.path.join(metadata_directory, p), "wb") as f:
            f.write(data)
    return DIST_INFO


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, _package_files())


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """PEP 660: a .pth file that puts src/ on sys.path."""
    pth = (os.path.join(HERE, "src") + "\n").encode()
    return _write_wheel(wheel_directory, [("%s.pth" % NAME, pth)])


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, VERSION)
    path = os.path.join(sdist_directory, base + ".tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        for rel in ("pyproject.toml", "README.md", "_build/libkinesis_build.py"):
            tar.add(os.path.join(HERE, rel), arcname="%s/%s" % (base, rel))
        for fn in sorted(os.listdir(SRC)):
            if (fn.endswith(".py") or fn == "py.typed") and fn != "_buildinfo.py":
                tar.add(os.path.join(SRC, fn), arcname="%s/src/%s/%s" % (base, NAME, fn))
        pkg_info = _metadata().encode("utf-8")
        ti = tarfile.TarInfo("%s/PKG-INFO" % base)
        ti.size = len(pkg_info)
        ti.mtime = int(time.time())
        tar.addfile(ti, io.BytesIO(pkg_info))
    return base + ".tar.gz"
