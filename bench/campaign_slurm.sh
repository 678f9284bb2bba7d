#!/usr/bin/env bash
# Slurm's overhead per campaign unit on the local single-node cluster (scripts/slurm_local.sh),
# against the units' own run time. The campaign: NSCANS simulated scans of 19 tiny beams (2 s,
# 64 channels, 8-bit PSRFITS, a pulsar in beam 3), one CPU and one thread per unit, so the
# node's cores run that many units at once.
#
# Times are taken by watching the campaign directory every 20 ms from submission on: a task
# starts when its logs/<id>.log appears (the array script's first act is to open it), ends when
# units/<id>/done.json appears; the merge job starts when logs/merge-<job>.out appears and ends
# when merge/candidates.json is rewritten. The unit's own run time is done.json's wall_s.
# Printed: submission time; submit -> first task start; per unit start-to-done minus wall_s
# (process start, reading the plan, committing); the whole array's makespan against
# sum(wall_s) / cores (the packing overhead per unit: the gaps Slurm leaves between a task's
# end and the next start, and the next-task gap itself); last unit done -> merge start (afterany latency); merge run time.
# Usage: bench/campaign_slurm.sh [NSCANS=3] [DIR=/tmp/tianyan-campaign-bench]
#   Environment: TIANYAN (default build/apps/tianyan), SLURM_STATE (/tmp/tianyan-slurm).
set -euo pipefail
cd "$(dirname "$0")/.."
nscans=${1:-3}
dir=${2:-/tmp/tianyan-campaign-bench}
exe=$(realpath "${TIANYAN:-build/apps/tianyan}")
eval "$(scripts/slurm_local.sh start "${SLURM_STATE:-/tmp/tianyan-slurm}")"
rm -rf "$dir" && mkdir -p "$dir/data"
trap 'rm -rf "$dir"' EXIT

cat >"$dir/campaign.toml" <<'EOF'
[dedisp]
dm_lo = 0.0
dm_hi = 60.0
[search]
max_candidates_per_series = 20
[fold]
top_n = 1
[campaign]
time = "00:10:00"
mem_gb = 0.5
cpus_per_task = 1
threads = 1
EOF
for ((s = 0; s < nscans; ++s)); do
  "$exe" -q simulate configs/sim/campaign_scan.toml -o "$dir/data/scan$s" --seed $((100 + s)) >/dev/null
done
"$exe" -q campaign plan -c "$dir/campaign.toml" "$dir/data" -o "$dir/c" >/dev/null
cores=$(sinfo -h -N -o %c | head -n1)

python3 - "$exe" "$dir/c" "$cores" <<'PY'
import json, os, statistics as st, subprocess, sys, time
exe, camp, cores = sys.argv[1], sys.argv[2], int(sys.argv[3])
units = [u["id"] for u in json.load(open(f"{camp}/campaign.json"))["units"]]
t_submit = time.time()
subprocess.run([exe, "-q", "campaign", "submit", camp], check=True, stdout=subprocess.DEVNULL)
t_submitted = time.time()
jobs = json.load(open(f"{camp}/slurm/jobs.json"))
ids = f'{jobs["array_job"]},{jobs["merge_job"]}'
start, done = {}, {}
merge_log = f'{camp}/logs/merge-{jobs["merge_job"]}.out'
merge_out = f"{camp}/merge/candidates.json"
merge_start = merge_end = None
last_poll = 0.0
while True:
    now = time.time()
    for u in units:
        if u not in start and os.path.exists(f"{camp}/logs/{u}.log"):
            start[u] = now
        if u not in done and os.path.exists(f"{camp}/units/{u}/done.json"):
            done[u] = now
    if merge_start is None and os.path.exists(merge_log):
        merge_start = now
    if merge_end is None and os.path.exists(merge_out):
        merge_end = now
    if now - last_poll > 0.5:  # squeue is slower than a stat: ask twice a second
        last_poll = now
        q = subprocess.run(["squeue", "-h", "-o", "%i", "-j", ids], capture_output=True, text=True)
        if not q.stdout.strip() and merge_end is not None:
            break
    time.sleep(0.02)

wall = {u: json.load(open(f"{camp}/units/{u}/done.json"))["wall_s"] for u in done}
n = len(units)
print(f"campaign: {n} units ({n // 19} scans x 19 beams), {cores} cores, 1 CPU per unit; "
      f"{len(done)} done")
print(f"submit command: {t_submitted - t_submit:.2f} s")
print(f"submit -> first task start: {min(start.values()) - t_submit:.2f} s")
own = [wall[u] for u in done]
extra = [done[u] - start[u] - wall[u] for u in done if u in start]
print(f"unit run time (done.json wall_s): mean {st.mean(own):.2f} s, "
      f"min {min(own):.2f}, max {max(own):.2f}, sum {sum(own):.1f} s")
print(f"per task, start-to-done minus wall_s: mean {st.mean(extra):.3f} s, max {max(extra):.3f}")
makespan = max(done.values()) - t_submit
ideal = sum(own) / cores
print(f"array makespan from submit: {makespan:.1f} s vs sum(wall_s)/cores {ideal:.1f} s: "
      f"overhead per unit {(makespan - ideal) * cores / n:.3f} core-s "
      f"({100 * (makespan - ideal) / makespan:.0f}% of the makespan)")
# A core freed by a finished task waits this long for the next task (tasks after the first
# `cores`, which start at once): Slurm's step from one array task to the next.
ends = sorted(done.values())
gaps = []
for s in sorted(start.values())[cores:]:
    before = [e for e in ends if e <= s]
    if before:
        gaps.append(s - before[-1])
if gaps:
    print(f"task end -> next task start: median {st.median(gaps):.2f} s, max {max(gaps):.2f} s")
print(f"load average during the run (other work on this machine counts): {os.getloadavg()[0]:.1f}")
print(f"last unit done -> merge start (afterany): {merge_start - max(done.values()):.2f} s; "
      f"merge run: {merge_end - merge_start:.2f} s")
PY
