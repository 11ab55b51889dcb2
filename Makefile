# holdem: `make train` trains (creating .venv on first use), `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CONFIG ?= configs/nlhe-hu-small.yaml
RUN    ?= runs/$(shell date +%Y%m%d-%H%M%S)
WORKERS ?= 0
ARGS   ?=

PRESET ?= small

.PHONY: venv train test slow stress bench monitor tree-stats buckets clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,ray]'
	touch $@

venv: $(VENV)/.installed

train: venv
	$(PY) -m holdem.cli.train_blueprint --config $(CONFIG) --logdir $(RUN) --num-workers $(WORKERS) $(ARGS)

test: venv
	$(PY) -m pytest -q

# long soak/stress/exhaustive runs, not part of `make test`
slow stress: venv
	$(PY) -m pytest -q -m slow

bench: venv
	$(PY) benchmarks/bench_kernel.py
	$(PY) benchmarks/bench_evaluator.py
	$(PY) benchmarks/bench_parallel.py
	$(PY) benchmarks/bench_designs.py
	$(PY) benchmarks/bench_eval.py
	$(PY) benchmarks/bench_abstraction.py
	$(PY) benchmarks/bench_ray.py

# a default training run (all cores, about a minute) under the CPU/memory monitor, then its summary
MONITOR_CONFIG ?= configs/nlhe-hu-small-hs.yaml
MONITOR_BUDGET ?= 60
monitor: venv
	$(PY) -m holdem.cli.monitor --csv $(RUN)/monitor.csv -- \
		$(PY) -m holdem.cli.train_blueprint --config $(MONITOR_CONFIG) --logdir $(RUN) --num-workers 0 \
		--time-budget $(MONITOR_BUDGET) $(ARGS)

buckets: venv
	$(PY) -m holdem.cli.build_buckets --preset $(PRESET) --out assets/buckets/$(PRESET).npz

tree-stats: venv
	$(PY) -m holdem.cli.tree_stats --config $(CONFIG)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
