#!/bin/sh
# Ignores SIGTERM, so only SIGKILL can stop it; says when it is ready in $1.
trap '' TERM
echo ready > "$1"
while :; do
    sleep 0.1
done
