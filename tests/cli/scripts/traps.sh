#!/bin/sh
# Reports the first ending signal it receives into the file named by $1 and exits
# with 128 + its number, the way a well-behaved job does.
report="$1"
trap 'echo INT > "$report"; exit 130' INT
trap 'echo TERM > "$report"; exit 143' TERM
trap 'echo HUP > "$report"; exit 129' HUP
echo ready > "$report.ready"
while :; do
    sleep 0.1
done
