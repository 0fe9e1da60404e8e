"""normlab's registries as `normlab list --json` prints them: the one list of kinds (normalizers,
models, datasets, ...) with their keys, defaults, docs and, for normalizers, role and statistics
traits. The plotting package, the fixture script and the PyTorch comparison read it here instead of
keeping lists of their own, so a newly registered normalizer reaches them with no edit.

The executable is found as: the path given to configure() (plot.py --normlab), else $NORMLAB, else
build/normlab in this checkout.
"""
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class RegistryError(Exception):
    """normlab's registry cannot be read (no executable, or it failed); the message says how to fix it."""


_explicit = None
_cache = None


def configure(normlab_path):
    """Use this normlab executable (None: the default search)."""
    global _explicit, _cache
    _explicit, _cache = normlab_path, None


def find_normlab():
    for candidate in (_explicit, os.environ.get("NORMLAB"), str(ROOT / "build" / "normlab")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise RegistryError("cannot find the normlab executable to read its registry (`normlab list --json`); "
                        "build it (cmake --build build) or give its path with --normlab or $NORMLAB")


def families():
    """{family name: [kind dicts in registry order]}, e.g. families()['normalizer'][0]['kind'] == 'batch'."""
    global _cache
    if _cache is None:
        exe = find_normlab()
        try:
            done = subprocess.run([exe, "list", "--json"], capture_output=True, text=True, timeout=60)
        except OSError as error:
            raise RegistryError(f"{exe}: cannot run it ({error.strerror})")
        if done.returncode != 0:
            raise RegistryError(f"`{exe} list --json` exited {done.returncode}: {done.stderr.strip()[:200]}")
        try:
            listing = json.loads(done.stdout)
        except json.JSONDecodeError as error:
            raise RegistryError(f"`{exe} list --json` printed invalid JSON ({error})")
        _cache = {f["family"]: f["kinds"] for f in listing["families"]}
    return _cache


def normalizers():
    """Every registered normalizer (dicts with kind, doc, keys, role, batch_statistics, running_buffers,
    min_rank, raw_weight_name, examples), in registry order."""
    return families()["normalizer"]


def normalizer(kind):
    """The registry entry of a normalizer kind, or None for a kind this normlab does not have."""
    for entry in normalizers():
        if entry["kind"] == kind:
            return entry
    return None


def kind_of(spec):
    """The kind of a spec string: 'group:num_groups=8' -> 'group'."""
    return str(spec).split(":", 1)[0].strip()
