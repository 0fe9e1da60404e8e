"""Reading and validating a results directory. Every problem becomes a ResultsError whose one-line
message names the file and what is wrong; the entry point prints it and exits with status 2."""
import json
from pathlib import Path

import numpy as np
import pandas as pd

RUNS_RESULT_COLUMNS = ["status", "diverged_step", "error", "train_loss", "train_accuracy",
                       "test_loss", "test_accuracy", "steps_done", "wall_seconds"]
RUNS_NUMERIC = ["diverged_step", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
                "steps_done", "wall_seconds", "batch_size", "lr", "seed", "steps", "epochs"]
CURVES_COLUMNS = ["run_id", "step", "epoch", "split", "metric", "value"]
LAYER_STATS_COLUMNS = ["run_id", "step", "layer", "stat", "value"]
PROBES_COLUMNS = ["run_id", "step", "layer", "probe", "stat", "value"]
STATUSES = {"ok", "diverged", "failed"}


def _locked(lock_path):
    """Whether a live process holds an exclusive flock on lock_path."""
    import fcntl
    try:
        with open(lock_path, "rb") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(lock, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


class ResultsError(Exception):
    """A user-fixable problem with a results directory; str(e) is one line."""


def _read_csv(path, required):
    """Reads a CSV with every cell as text (so a normalizer called 'none' stays a string) and checks
    that the required columns are there."""
    if not path.is_file():
        raise ResultsError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        raise ResultsError(f"{path}: empty file, expected a CSV header with columns {', '.join(required)}")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        message = " ".join(str(error).split())
        raise ResultsError(f"{path}: not a valid CSV file ({message})")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ResultsError(f"{path}: missing column(s) {', '.join(missing)}; "
                           f"found {', '.join(map(str, frame.columns))}")
    return frame


def _to_numeric(frame, column, path, allow_empty):
    """Converts a text column to float in place ('nan', 'inf' allowed); names the first bad cell."""
    text = frame[column].str.strip()
    values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
    bad = values.isna() & ~text.str.lower().isin(["nan", "-nan", "+nan"])
    if allow_empty:
        bad &= text != ""
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ResultsError(f"{path}: column '{column}' has non-numeric value '{frame[column].iloc[row]}' "
                           f"on line {row + 2}")
    frame[column] = values.astype(float)


class Results:
    """One results directory. runs is loaded eagerly; curves and layer_stats on first use, so a
    figure that does not need a file does not fail when it is absent."""

    def __init__(self, directory):
        self.dir = Path(directory)
        if not self.dir.is_dir():
            raise ResultsError(f"{self.dir}: not a directory")
        self.manifest = self._read_manifest()
        self.name = self.manifest["name"]
        self.runs, self.config_keys = self._read_runs()
        self._curves = None
        self._layer_stats = None
        self._probes = None
        self._series = {}  # (file, key1, key2) -> {run_id: (steps, values)}

    # --- manifest.json --------------------------------------------------------------------------
    def _read_manifest(self):
        path = self.dir / "manifest.json"
        if not path.is_file():
            raise ResultsError(f"{path}: file not found (is this a directory written by `normlab run`?)")
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ResultsError(f"{path}: not valid JSON ({' '.join(str(error).split())})")
        if not isinstance(manifest, dict):
            raise ResultsError(f"{path}: expected a JSON object at the top level")
        name = manifest.get("name")
        if not isinstance(name, str) or not name:
            raise ResultsError(f"{path}: missing \"name\" (the preset or configuration name, a string)")
        if "config" in manifest and not isinstance(manifest["config"], dict):
            raise ResultsError(f"{path}: \"config\" must be a JSON object")
        return manifest

    def incomplete_note(self):
        """'interrupted: 2/24 runs done; ...' when the tables are a partial view, else None (as
        normlab summarize says it: a sweep whose manifest says running and whose DIR/.lock no live
        process holds was killed)."""
        state = self.manifest.get("state", "complete")
        if state == "complete":
            return None
        view = self.manifest.get("view") or {}
        counts = f"{view.get('done', '?')}/{view.get('selected', '?')} runs done"
        if state == "running" and _locked(self.dir / ".lock"):
            return f"running: {counts} so far; the figures show those"
        return f"interrupted: {counts}; the figures show those (rerun the same normlab run command to resume)"

    def config_value(self, key, default=None):
        config = self.manifest.get("config") or {}
        return config.get(key, default)

    # --- runs.csv -------------------------------------------------------------------------------
    def _read_runs(self):
        path = self.dir / "runs.csv"
        runs = _read_csv(path, ["run_id", "status", "test_accuracy"])
        if runs.empty:
            raise ResultsError(f"{path}: no runs (only a header)")
        columns = list(runs.columns)
        # The configuration keys sit between run_id and status (the harness's column contract).
        config_keys = [c for c in columns[columns.index("run_id") + 1:columns.index("status")] if c != "label"]
        if runs["run_id"].duplicated().any():
            dup = runs["run_id"][runs["run_id"].duplicated()].iloc[0]
            raise ResultsError(f"{path}: run_id '{dup}' appears more than once")
        bad = ~runs["status"].isin(STATUSES)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ResultsError(f"{path}: status '{runs['status'].iloc[row]}' on line {row + 2} is not one of "
                               f"ok, diverged, failed")
        for column in RUNS_NUMERIC:
            if column in runs.columns:
                _to_numeric(runs, column, path, allow_empty=True)
        if "norm" not in runs.columns:
            runs["norm"] = "none" if "norm" not in (self.manifest.get("config") or {}) else str(
                self.manifest["config"]["norm"])
        return runs, config_keys

    def require_run_columns(self, columns, figure):
        missing = [c for c in columns if c not in self.runs.columns]
        if missing:
            raise ResultsError(f"{self.dir / 'runs.csv'}: the {figure} figure needs column(s) "
                               f"{', '.join(missing)}")

    # --- curves.csv and layer_stats.csv ---------------------------------------------------------
    def _read_long(self, filename, required, key_column):
        path = self.dir / filename
        frame = _read_csv(path, required)
        for column in ("step", "value") + (("epoch",) if "epoch" in required else ()):
            _to_numeric(frame, column, path, allow_empty=(column == "epoch"))
        unknown = ~frame["run_id"].isin(self.runs["run_id"])
        if unknown.all() and len(frame):
            raise ResultsError(f"{path}: none of its run_ids appear in runs.csv (first: '{frame['run_id'].iloc[0]}')")
        # Runs still in flight (or lost) are in the long files but not yet in runs.csv: skip them.
        return frame[~unknown].reset_index(drop=True)

    @property
    def curves(self):
        if self._curves is None:
            self._curves = self._read_long("curves.csv", CURVES_COLUMNS, "metric")
        return self._curves

    def has_layer_stats(self):
        return (self.dir / "layer_stats.csv").is_file()

    @property
    def layer_stats(self):
        if self._layer_stats is None:
            self._layer_stats = self._read_long("layer_stats.csv", LAYER_STATS_COLUMNS, "stat")
        return self._layer_stats

    def has_probes(self):
        return (self.dir / "probes.csv").is_file()

    @property
    def probes(self):
        """probes.csv (the instruments of the runs with `probes`), tidy as written."""
        if self._probes is None:
            self._probes = self._read_long("probes.csv", PROBES_COLUMNS, "stat")
        return self._probes

    def series_table(self, which, first, second):
        """{run_id: (steps, values)} sorted by step, for curves (split, metric) or layer_stats
        (layer, stat). Built once per file with one groupby: filtering a long file per run and
        per figure is what makes plotting slow on large sweeps."""
        if (which, first, second) not in self._series:
            frame = self.curves if which == "curves" else self.layer_stats
            keys = ["split", "metric"] if which == "curves" else ["layer", "stat"]
            if not any(k[0] == which for k in self._series):
                ordered = frame.sort_values(keys + ["run_id", "step"], kind="stable")
                for (a, b, run_id), rows in ordered.groupby(keys + ["run_id"], sort=False):
                    self._series.setdefault((which, a, b), {})[run_id] = (rows["step"].to_numpy(),
                                                                          rows["value"].to_numpy())
                self._series.setdefault((which, None, None), {})  # marks the file as indexed
        return self._series.get((which, first, second), {})

    # --- the sweep's axes -----------------------------------------------------------------------
    def varying_keys(self):
        """Configuration keys that take more than one value across runs, seed excluded, minus keys
        that other varying keys determine (lr = 0.1 * batch_size / 32 adds nothing to batch_size)."""
        priority = ["norm", "placement", "bias", "batch_size", "lr", "init", "model", "data",
                    "optimizer", "schedule", "steps", "epochs"]
        keys = [k for k in self.config_keys if k != "seed" and self.runs[k].nunique(dropna=False) > 1]
        keys.sort(key=lambda k: priority.index(k) if k in priority else len(priority))
        for key in reversed(list(keys)):
            others = [k for k in keys if k != key]
            if others and (self.runs.groupby(others, dropna=False)[key].nunique(dropna=False) <= 1).all():
                keys.remove(key)
        return keys
