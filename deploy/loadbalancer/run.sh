#!/usr/bin/env bash
# The load-balancer test as a user runs it: HAProxy (haproxy.cfg beside this script) in front of two
# API processes on a private PostgreSQL, steady keep-alive load, SIGTERM to one API mid-load, once with
# the drain delay and once without. Prints both counts, e.g.
#   drain on (Shutdown:DrainDelay=00:00:05): 20202 requests sent, 0 failed; ...
#   drain off (Shutdown:DrainDelay=00:00:00): 14916 requests sent, 2119 failed (2119 x 503 ...); ...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then
  echo "Installing HAProxy (apt-get install -y haproxy)"
  apt-get update -qq && apt-get install -y -qq haproxy >/dev/null
fi

dotnet test Exp22.Tests --nologo --filter "FullyQualifiedName~Exp22.Tests.LoadBalancer.LoadBalancerTests" \
  --logger "console;verbosity=detailed" | grep -E "^ *(drain (on|off)|Passed|Failed|Total tests|Error Message|Assert)" 
