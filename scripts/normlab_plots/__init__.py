"""normlab_plots: figures and tables for papers from normlab results directories.

A results directory (written by `normlab run`) holds manifest.json, runs.csv, curves.csv and
layer_stats.csv. `scripts/plot.py` is the entry point; `cli.main` does the work. Modules:
style (the look: sizes, fonts, one colour and marker per normalizer kind), stats (Student's t
intervals without scipy), load (reading and validating the files), aggregate (seeds -> mean and
95% CI), one module per figure family, tables, presets (which figures each preset gets).
"""
