"""A small, safe binary format for per-article analyses: a JSON header plus raw numpy buffers.

No pickle (a store file may come from someone else), no schema compiler, and arrays keep their dtype, so a
float16 vector matrix costs two bytes a value on disk and loads without copying through Python lists.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

MAGIC = b"WTA1"
_ALLOWED = {"int8", "int16", "int32", "int64", "uint8", "uint32", "float16", "float32", "float64", "bool"}


def pack(fields: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """`fields` must be JSON-serialisable; `arrays` are stored as C-contiguous buffers."""
    specs = []
    buffers = []
    for name, arr in arrays.items():
        a = np.ascontiguousarray(arr)
        if a.dtype.name not in _ALLOWED:
            raise ValueError(f"array {name!r}: dtype {a.dtype} is not storable")
        specs.append([name, a.dtype.name, list(a.shape)])
        buffers.append(a.tobytes())
    header = json.dumps({"fields": fields, "arrays": specs}, ensure_ascii=False, separators=(",", ":")).encode()
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(buffers)


def unpack(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if data[:4] != MAGIC:
        raise ValueError("not a wiretrace analysis record")
    (n,) = struct.unpack("<I", data[4:8])
    head = json.loads(data[8 : 8 + n].decode())
    pos = 8 + n
    arrays: dict[str, np.ndarray] = {}
    for name, dtype, shape in head["arrays"]:
        if dtype not in _ALLOWED:
            raise ValueError(f"array {name!r}: dtype {dtype} is not storable")
        count = int(np.prod(shape)) if shape else 1
        size = count * np.dtype(dtype).itemsize
        if pos + size > len(data):
            raise ValueError(f"array {name!r} runs past the end of the record")
        arrays[name] = np.frombuffer(data, dtype=dtype, count=count, offset=pos).reshape(shape)
        pos += size
    return head["fields"], arrays
