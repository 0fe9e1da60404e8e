#!/usr/bin/python3
"""Reads a safetensors file with plain json and numpy (no safetensors package) and compares it
with the values the C++ test wrote beside it as JSON: {"tensors": {name: {"dtype", "shape",
"values"}}, "metadata": {...}}. Exit 0 when everything matches, 1 with one line per mismatch.

usage: read_with_numpy.py FILE.safetensors EXPECTED.json
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def main(path, expected_path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    with open(expected_path) as f:
        expected = json.load(f)
    problems = []
    if header.get("__metadata__", {}) != expected["metadata"]:
        problems.append(f"metadata {header.get('__metadata__')!r} != {expected['metadata']!r}")
    names = sorted(k for k in header if k != "__metadata__")
    if names != sorted(expected["tensors"]):
        problems.append(f"tensor names {names} != {sorted(expected['tensors'])}")
    for name in names:
        entry, want = header[name], expected["tensors"].get(name)
        if want is None:
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        if entry["dtype"] != want["dtype"] or list(array.shape) != want["shape"]:
            problems.append(f"{name}: {entry['dtype']} {list(array.shape)} != {want['dtype']} {want['shape']}")
            continue
        wanted = np.array(want["values"], dtype=DTYPES[want["dtype"]]).reshape(want["shape"])
        if not np.array_equal(array, wanted):  # exact: the bytes must be the values written
            problems.append(f"{name}: {array.ravel().tolist()} != {wanted.ravel().tolist()}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
