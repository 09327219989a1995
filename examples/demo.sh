#!/bin/sh
# The main job, end to end, with no account: start a local Task Badger API
# server, run a real backup under `taskbadger run`, and show the recorded task.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(dirname "$here")/taskbadger
work=$(mktemp -d)
server_pid=""
cleanup() {
    [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The server prints the settings to export, then serves until stopped.
python -m taskbadger.testing > "$work/server.env" 2> "$work/server.log" &
server_pid=$!
tries=0
until grep -q TASKBADGER_API_KEY "$work/server.env" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
        echo "demo: the local API server did not start:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
. "$work/server.env"
export TASKBADGER_CONFIG="$work/config.toml"

echo "== taskbadger run nightly-backup -- examples/backup.sh taskbadger"
BACKUP_DEST="$work/backups" \
    taskbadger run nightly-backup -- "$here/backup.sh" "$source_dir"

echo
echo "== the task as the API recorded it"
taskbadger list --limit 1
task_id=$(taskbadger list --limit 1 --format csv | awk -F, 'NR == 2 { print $1 }')
taskbadger get "$task_id"
