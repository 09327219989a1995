#!/bin/sh
# Starts a long-lived background process, records its pid in $1 and exits at once.
sleep 300 &
echo $! > "$1.tmp"
mv "$1.tmp" "$1"
exit 0
