#!/bin/sh
# Runs the PostgreSQL server whose command line is "$@" and exits with its status. The orchestrator stops
# an executable with SIGTERM, which is PostgreSQL's smart shutdown: it waits for every client (the services'
# pools) to disconnect, so the stop would end in SIGKILL. TERM and INT become INT, the fast shutdown
# (clients disconnected, transactions rolled back).
trap 'kill -INT "$pm" 2>/dev/null' TERM INT
"$@" &
pm=$!
status=0
while kill -0 "$pm" 2>/dev/null; do wait "$pm"; status=$?; done
exit "$status"
