#!/bin/sh
# Starts a worker's Python with Ctrl-C (SIGINT) and SIGHUP ignored from its first instruction:
# a terminal's Ctrl-C reaches the whole process group, and only the coordinator decides how
# a run stops. An ignored signal stays ignored across exec, and Python keeps it so.
trap '' INT HUP
exec "$HOLDEM_WORKER_PYTHON" "$@"
