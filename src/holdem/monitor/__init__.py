"""holdem.monitor: the CPU/memory/stall monitor of a training run, behind ``python -m holdem.cli.monitor``.

One module per idea: ``sampling`` (psutil samples of the coordinator and its workers),
``stall`` (the stall detector), ``run_files`` (what run.json and metrics.jsonl say),
``csv_log`` (the ``--csv`` table), ``summary`` (figures accumulated for the summary),
``render`` (the per-interval block, warnings and the printed summary), ``child`` (a run the
monitor started: its process group and signals) and ``monitor`` (the loop tying them together).
It imports only the standard library and psutil, so the monitor starts fast (no numba).
"""
