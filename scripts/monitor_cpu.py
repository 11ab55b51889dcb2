"""Watch a training run's CPU and memory: a thin wrapper around ``python -m holdem.cli.monitor``.

    python scripts/monitor_cpu.py --run runs/<name>
    python scripts/monitor_cpu.py --duration 60 -- python -m holdem.cli.train_blueprint --config C --logdir D
"""
from __future__ import annotations

import sys

from holdem.cli.monitor import main

if __name__ == "__main__":
    sys.exit(main())
