#!/usr/bin/env bash
# An agent that follows seed 001 by hand, the way a person or a shell-scripted agent would:
# take tasks.lock with noclobber (O_EXCL), read-modify-write tasks.json with jq — overwriting
# the file in place, as the seed says — and rm the lock. It first adds ADDS tasks of its own
# (seed fields only), then takes PENDING tasks (PENDING → IN_PROGRESS, work, → COMPLETED)
# until EXPECT tasks on the board are COMPLETED. Prints "completed ID" for each task it did.
#
#   hand-agent.sh DIR AGENT ADDS EXPECT
set -euo pipefail
DIR=$1 AGENT=$2 ADDS=$3 EXPECT=$4
TASKS="$DIR/tasks.json" LOCK="$DIR/tasks.lock" TMP="$DIR/.$AGENT.hand.tmp"

now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

lock() {
  until ( set -o noclobber; printf '{"agent_id":"%s","timestamp":"%s"}' "$AGENT" "$(now)" > "$LOCK" ) 2>/dev/null; do
    sleep "0.00$((RANDOM % 9 + 1))"
  done
}

unlock() { rm "$LOCK"; }

# jq FILTER over tasks.json, written back in place (same inode, truncate + write).
rewrite() {
  jq "$@" "$TASKS" > "$TMP"
  cat "$TMP" > "$TASKS"
}

for ((i = 1; i <= ADDS; i++)); do
  lock
  rewrite --arg id "H-$AGENT-$i" --arg a "$AGENT" --arg now "$(now)" \
    '. + [{id: $id, description: "hand task \($id)", status: "PENDING", assigned_to: null,
           created_at: $now, updated_at: $now,
           history: [{timestamp: $now, event: "CREATED", agent_id: $a, details: "added by hand"}]}]'
  unlock
done
# Tells the baton agents of test/json/json-interop.test.ts that this agent now takes tasks.
touch "$DIR/.$AGENT.adding-done"

while true; do
  lock
  id=$(jq -r '[.[] | select(.status == "PENDING")][0].id // ""' "$TASKS")
  if [[ -z $id ]]; then
    completed=$(jq '[.[] | select(.status == "COMPLETED")] | length' "$TASKS")
    unlock
    if ((completed >= EXPECT)); then exit 0; fi
    sleep 0.02
    continue
  fi
  rewrite --arg id "$id" --arg a "$AGENT" --arg now "$(now)" \
    'map(if .id == $id then .status = "IN_PROGRESS" | .assigned_to = $a | .updated_at = $now
         | .history += [{timestamp: $now, event: "STATUS_CHANGED", agent_id: $a, details: "PENDING -> IN_PROGRESS"}]
         else . end)'
  unlock

  sleep 0.01 # the work itself, without the lock

  lock
  held=$(jq -r --arg id "$id" '.[] | select(.id == $id) | "\(.status) \(.assigned_to)"' "$TASKS")
  if [[ $held != "IN_PROGRESS $AGENT" ]]; then
    unlock
    echo "lost $id: it is now $held" >&2
    exit 3
  fi
  rewrite --arg id "$id" --arg a "$AGENT" --arg now "$(now)" \
    'map(if .id == $id then .status = "COMPLETED" | .updated_at = $now
         | .history += [{timestamp: $now, event: "STATUS_CHANGED", agent_id: $a, details: "IN_PROGRESS -> COMPLETED"}]
         else . end)'
  unlock
  echo "completed $id"
done
