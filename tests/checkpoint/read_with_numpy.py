#!/usr/bin/python3
"""Reads a safetensors file with plain json and numpy (no safetensors package) and compares it
with the values the C++ test wrote beside it as JSON: {"tensors": {name: {"dtype", "shape",
"values"}}, "metadata": {...}}. Exit 0 when everything matches, 1 with one line per mismatch.

usage: read_with_numpy.py FILE.safetensors EXPECTED.json
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from safetensors_numpy import DTYPES, array_of, read_entries  # noqa: E402  (plain json + numpy)


def main(path, expected_path):
    header, data = read_entries(path)
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
        array = array_of(entry, data)
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
