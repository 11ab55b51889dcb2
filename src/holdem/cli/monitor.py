"""Watch a training run: CPU% and memory of the coordinator and each worker, iterations/s, stalls.

    python -m holdem.cli.monitor --pid PID            attach to a coordinator (workers = its children)
    python -m holdem.cli.monitor --run DIR            attach to the run in DIR (pid from run.json)
    python -m holdem.cli.monitor [options] -- CMD...  start CMD (a training command), monitor it,
                                                      forward Ctrl-C/SIGTERM to it, exit with its code

Every ``--interval`` seconds: each process's CPU% (psutil; the first sample of a process is its
average since it started), RSS and USS (pages private to the process: shared tables are not
counted per worker; RSS when USS is not readable), state; the machine's CPU%; the run's
iteration and iterations/s from ``metrics.jsonl`` when the run directory is known (``--run``,
``--logdir`` of CMD, or the ``metrics.jsonl`` the coordinator has open). On a terminal the table
is rewritten in place, otherwise one block per interval; ``--csv FILE`` writes one row per process
per interval.

Stall: a worker under ``--stall-cpu`` % CPU for ``--stall-window`` seconds, or an iteration
counter that does not move for that long, while run.json says ``running``. Time the
coordinator spends working alone (snapshot, evaluation, discount: the workers wait at a
barrier then) does not count. A stall prints a warning naming the pids; with ``--fail-on-stall``
the monitor stops (stopping the run it started) and exits with status 3.

A summary (CPU per process, peak memory, stalls) is printed at the end: when the monitored
process exits, after ``--duration`` seconds (a run the monitor started is then stopped with
SIGINT, which writes its final snapshot), on Ctrl-C, or on a stall with ``--fail-on-stall``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psutil

from holdem.cli.common import EXIT_BAD_INPUT, ArgumentParser, number
from holdem.core.files import check_output
from holdem.core.inputs import InputError
from holdem.monitor.child import STOP_TIMEOUT, install_handlers, kill_group, restore_handlers, start_child
from holdem.monitor.monitor import Monitor
from holdem.monitor.run_files import logdir_of, read_json



def build_parser() -> argparse.ArgumentParser:
    """The monitor's options (the training command, if any, follows ``--``)."""
    p = ArgumentParser(prog="holdem-monitor", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    target = p.add_argument_group("what to monitor (or a command after --)")
    target.add_argument("--pid", type=number(integer=True, low=1), help="coordinator pid (its children are the workers)")
    target.add_argument("--run", type=Path, help="run directory (the pid is read from run.json)")
    seconds = number(low=0, low_open=True, high=10 ** 9)
    p.add_argument("--interval", type=seconds, default=2.0, help="seconds between samples (default 2)")
    p.add_argument("--csv", type=Path, help="write one row per process per interval (a new file, or --force)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --csv / --summary-json file")
    p.add_argument("--stall-cpu", type=number(low=0, high=100), default=20.0, dest="stall_cpu",
                   help="a worker under this CPU%% ... (default 20)")
    p.add_argument("--stall-window", type=seconds, default=30.0, dest="stall_window",
                   help="... for this many seconds is stalled; so is an iteration counter frozen "
                        "this long (default 30)")
    p.add_argument("--fail-on-stall", action="store_true", dest="fail_on_stall",
                   help="on a stall, stop (and stop a run started here) and exit with status 3")
    p.add_argument("--duration", type=seconds, help="stop monitoring after SEC seconds (a run started here gets SIGINT)")
    p.add_argument("--stop-timeout", type=seconds, default=STOP_TIMEOUT, dest="stop_timeout",
                   help="seconds a run started here gets to stop after SIGINT (default 120)")
    p.add_argument("--summary-json", type=Path, dest="summary_json",
                   help="also write the summary as JSON (a new file, or --force)")
    return p


def _fail(text: str) -> int:
    print(f"holdem-monitor: error: {text}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, command = argv[:i], argv[i + 1:]
    args = build_parser().parse_args(argv)
    if bool(command) == bool(args.pid or args.run):
        return _fail("give --pid PID or --run DIR to attach, or a command after -- to start (not both)")
    try:  # outputs are checked, not created: nothing is written before the target is known
        for flag, path in (("--csv", args.csv), ("--summary-json", args.summary_json)):
            if path is not None:
                check_output(path, args.force, flag)
    except InputError as e:
        return _fail(str(e))
    run_dir: Path | None = args.run
    child = None
    if command:
        run_dir = logdir_of(command)
        try:
            child = start_child(command)
        except OSError as e:
            return _fail(f"cannot start {command[0]}: {e.strerror}")
        pid = child.pid
    else:
        pid = args.pid
        if pid is None:
            info = read_json(args.run / "run.json")
            if info is None or not isinstance(info.get("pid"), int) or isinstance(info.get("pid"), bool):
                return _fail(f"{args.run / 'run.json'}: missing or unreadable; is {args.run} a run directory?")
            pid = int(info["pid"])
            if not psutil.pid_exists(pid):
                return _fail(f"{args.run}: the run is not running (status {info.get('status')!r}, pid {pid} gone)")
        elif not psutil.pid_exists(pid):
            return _fail(f"no process with pid {pid}")
    monitor = Monitor(args, pid, run_dir, child)
    previous = install_handlers(monitor.on_signal)
    try:
        return monitor.run()
    finally:
        restore_handlers(previous)
        if child is not None and child.poll() is None:  # only after an unexpected error in run()
            kill_group(child)


if __name__ == "__main__":
    sys.exit(main())
