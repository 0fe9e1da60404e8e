"""Helpers for layer_stats.csv: which layer to plot, and one statistic of one layer as a series."""
import re

from . import aggregate
from .load import ResultsError

_INDEX = re.compile(r"^(\d+)")


def _layer_order(name):
    """Model layers are named '<index>.<what>' ('5.linear'): sort by the index, then the name."""
    match = _INDEX.match(str(name))
    return (int(match.group(1)) if match else 10**9, str(name))


def layers_with(stats, run_ids, needed):
    """Layers (in model order) that have every stat in `needed` for the given runs."""
    rows = stats[stats["run_id"].isin(run_ids)]
    have = rows.groupby("layer")["stat"].agg(set)
    return sorted((layer for layer, s in have.items() if set(needed) <= s), key=_layer_order)


def choose_layer(results, run_ids, needed, requested=None, prefer_last=True):
    """The layer to plot: the requested one, else one whose name says it feeds an activation
    ('sigmoid', 'act'), else the last (prefer_last) or first layer that has the needed stats."""
    candidates = layers_with(results.layer_stats, run_ids, needed)
    path = results.dir / "layer_stats.csv"
    if requested:
        if requested not in candidates:
            raise ResultsError(f"{path}: layer '{requested}' has no {'/'.join(needed)} records for these runs; "
                               f"layers with them: {', '.join(candidates) or 'none'}")
        return requested
    if not candidates:
        raise ResultsError(f"{path}: no layer has the statistics {', '.join(needed)} for runs "
                           f"{', '.join(sorted(run_ids)[:3])}{'...' if len(run_ids) > 3 else ''}")
    named = [c for c in candidates if re.search(r"sigmoid|act", c)]
    pool = named or candidates
    return pool[-1] if prefer_last else pool[0]


def stat_series(results, run_ids, layer, stat):
    """{run_id: (steps, values)} of one statistic of one layer."""
    table = results.series_table("layer_stats", layer, stat)
    return {r: table[r] for r in run_ids if r in table}


def stat_band(results, run_ids, layer, stat):
    return aggregate.band(stat_series(results, run_ids, layer, stat))
