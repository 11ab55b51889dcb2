"""holdem.run: a training run on disk and in time: the run directory, snapshots, metrics,
signals, the budget and the loop that drives an engine."""
