"""Reads safetensors files (normlab's checkpoints, `normlab data` exports) with plain json and
numpy, without the safetensors package (which Debian 12 does not ship).

    tensors, metadata = safetensors_numpy.read(path)   # {name: np.ndarray}, {key: str}
"""
import json
import struct

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def read_entries(path):
    """(header, data): the parsed JSON header ({name: {dtype, shape, data_offsets}, __metadata__})
    and the bytes after it."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} exceeds the file's {len(blob)} bytes")
    return json.loads(blob[8:8 + n].decode("utf-8")), blob[8 + n:]


def array_of(entry, data):
    begin, end = entry["data_offsets"]
    return np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])


def read(path):
    header, data = read_entries(path)
    metadata = header.pop("__metadata__", {})
    return {name: array_of(entry, data) for name, entry in header.items()}, metadata
