"""The ctypes structures match the C headers: compile a probe with the system compiler."""
import ctypes
import os
import shutil
import subprocess

import pytest

from libkinesis import _ffi
from conftest import REPO

STRUCTS = {
    "kinesis_error": (_ffi.Error, ["status", "http_status", "attempts", "type", "message",
                                   "request_id"]),
    "kinesis_client_options": (_ffi.ClientOptions, [f[0] for f in _ffi.ClientOptions._fields_]),
    "kinesis_allocator": (_ffi.Allocator, ["alloc", "realloc", "free", "user"]),
    "kinesis_agg_record": (_ffi.AggRecord, [f[0] for f in _ffi.AggRecord._fields_]),
    "kinesis_agg_encoder_options": (_ffi.AggEncoderOptions,
                                    [f[0] for f in _ffi.AggEncoderOptions._fields_]),
    "kinesis_agg_output": (_ffi.AggOutput, [f[0] for f in _ffi.AggOutput._fields_]),
    "kinesis_agg_user_record": (_ffi.AggUserRecord, [f[0] for f in _ffi.AggUserRecord._fields_]),
    "kinesis_agg_decode_options": (_ffi.AggDecodeOptions,
                                   [f[0] for f in _ffi.AggDecodeOptions._fields_]),
}
EXTRA = {}


def register(name, cls):
    STRUCTS[name] = (cls, [f[0] for f in cls._fields_])


def test_layout_matches_headers(tmp_path):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("clang") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    for mod in ("producer", "consumer"):
        try:
            m = __import__("libkinesis._%s_ffi" % mod, fromlist=["STRUCTS"])
            for name, cls in m.STRUCTS.items():
                register(name, cls)
        except (ImportError, AttributeError):  # library or header without that part
            pass
    lines = ["#include <stdio.h>", "#include <stddef.h>", "#include <kinesis/kinesis.h>"]
    for h in ("producer", "consumer"):
        if os.path.exists(os.path.join(REPO, "include", "kinesis", h + ".h")):
            lines.append("#include <kinesis/%s.h>" % h)
    lines.append("int main(void) {")
    for name, (_, fields) in STRUCTS.items():
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (name, name))
        for f in fields:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (name, f, name, f))
    lines.append('printf("enc %zu\\n", sizeof(kinesis_agg_encoder));')
    lines.append('printf("dec %zu\\n", sizeof(kinesis_agg_decoder));')
    lines.append("return 0; }")
    src = tmp_path / "probe.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "probe"
    subprocess.run([cc, "-std=c11", "-I", os.path.join(REPO, "include"), str(src), "-o",
                    str(exe)], check=True)
    got = dict(line.rsplit(" ", 1) for line in
               subprocess.run([str(exe)], capture_output=True, text=True,
                              check=True).stdout.splitlines())
    for name, (cls, fields) in STRUCTS.items():
        assert int(got[name]) == ctypes.sizeof(cls), name
        for f in fields:
            assert int(got["%s.%s" % (name, f)]) == getattr(cls, f).offset, (name, f)
    assert int(got["enc"]) <= _ffi.AGG_STATE_BYTES
    assert int(got["dec"]) <= _ffi.AGG_STATE_BYTES
