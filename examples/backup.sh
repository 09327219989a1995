#!/bin/sh
# Archive a directory into a timestamped, compressed tarball.
#
#   backup.sh SOURCE_DIR [DEST_DIR]
#
# DEST_DIR defaults to $BACKUP_DEST, else ./backups. Run under
# `taskbadger run`, it reports its progress to the task as it goes: the wrapper
# sets TASKBADGER_TASK_ID, and `taskbadger update` picks it up.
set -eu

usage="usage: backup.sh SOURCE_DIR [DEST_DIR]"
src=${1:?$usage}
dest=${2:-${BACKUP_DEST:-./backups}}
batches=10

if [ ! -d "$src" ]; then
    echo "backup.sh: $src: no such directory" >&2
    exit 3
fi

report() {
    # Progress is nice to have: a failed update must never fail the backup.
    if [ -n "${TASKBADGER_TASK_ID:-}" ]; then
        taskbadger update --value "$1" || true
    fi
}

mkdir -p "$dest"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
name=$(basename "$(cd "$src" && pwd)")
archive="$dest/$name-$stamp.tar"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Archive in batches of files so progress can be reported between them.
(cd "$src" && find . -type f | sort) > "$work/files"
total=$(wc -l < "$work/files")
per_batch=$(( (total + batches - 1) / batches ))
[ "$per_batch" -gt 0 ] || per_batch=1
split -l "$per_batch" "$work/files" "$work/batch."

tar -cf "$archive" -T /dev/null
done_files=0
for batch in "$work"/batch.*; do
    [ -e "$batch" ] || continue
    tar -rf "$archive" -C "$src" -T "$batch"
    done_files=$(( done_files + $(wc -l < "$batch") ))
    report $(( done_files * 90 / total ))
done

gzip -f "$archive"
report 100
echo "backed up $total files from $src to $archive.gz ($(wc -c < "$archive.gz") bytes)"
