#!/usr/bin/env bash
# A real single-node Slurm cluster (Debian 12, Slurm 22.05) for tests and CI, run as root on a
# machine without systemd or cgroups. See /work/shared/docs/SLURM_NOTES.md for why each setting
# is what it is.
#
#   scripts/slurm_local.sh start  [STATE_DIR]   install if missing, configure, start, wait idle
#   scripts/slurm_local.sh stop   [STATE_DIR]   stop the daemons by their PID files
#   scripts/slurm_local.sh status [STATE_DIR]   exit 0 when the node answers, else 1
#   scripts/slurm_local.sh env    [STATE_DIR]   print the client environment only
#
# STATE_DIR defaults to /tmp/tianyan-slurm. `start` prints `export SLURM_CONF=...` on its last
# line (progress goes to stderr), so `eval "$(scripts/slurm_local.sh start)"` sets the client up.
# Environment: SLURM_LOCAL_TIMEOUT (seconds to wait for an idle node, default 60).
set -euo pipefail

cmd="${1:-}"
state="${2:-/tmp/tianyan-slurm}"
timeout_s="${SLURM_LOCAL_TIMEOUT:-60}"
conf="$state/slurm.conf"
export SLURM_CONF="$conf"

log() { echo "slurm_local: $*" >&2; }
die() { echo "slurm_local: error: $*" >&2; exit 1; }

usage() {
  echo "usage: $0 start|stop|status|env [STATE_DIR]" >&2
  exit 2
}

# True when the process in PID file $1 is alive and is a $2 (munged, slurmctld, slurmd): a
# stale file may name a recycled PID, and a killed daemon may linger as a zombie where PID 1
# does not reap (containers), which kill -0 still reports as alive.
pid_alive() {
  [[ -s "$1" ]] || return 1
  local pid stat
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ "$stat" == "$pid ($2) "* && "$stat" != *") Z "* ]]
}

install_packages() {
  local pkgs=(slurmctld slurmd slurm-client munge)
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
     command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "Slurm is not installed and installing it needs root: apt-get install ${pkgs[*]}"
  log "installing ${pkgs[*]}"
  local apt=(apt-get -o DPkg::Lock::Timeout=120 -y -q)
  local try
  for try in 1 2 3; do
    if DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >&2 ||
       { DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2 &&
         DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >&2; }; then
      return 0
    fi
    log "apt-get failed (try $try of 3); retrying in 10 s"
    sleep 10
  done
  die "could not install ${pkgs[*]} with apt-get"
}

write_conf() {
  local host node_line
  host="$(hostname -s)"
  # The node's CPUs and memory must match what slurmd detects, or the node is drained.
  node_line="$(slurmd -C | head -n1)"
  [[ "$node_line" == NodeName=* ]] || die "slurmd -C gave no NodeName line: $node_line"
  node_line="$(sed -E "s/^NodeName=[^ ]+/NodeName=$host/" <<<"$node_line")"
  mkdir -p "$state"/{spool/ctld,spool/d,log,jobs}
  cat >"$conf.tmp" <<EOF
# Written by scripts/slurm_local.sh; single node, no cgroups, no accounting daemon.
ClusterName=tianyan
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/log/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
DependencyParameters=kill_invalid_depend
ReturnToService=2
MaxArraySize=10001
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
}

start_munge() {
  if pid_alive /run/munge/munged.pid munged && munge -n </dev/null >/dev/null 2>&1; then
    return 0
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge /etc/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  if [[ ! -s /etc/munge/munge.key ]]; then
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile=/etc/munge/munge.key >&2
    else
      dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    fi
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  runuser -u munge -- munged --force
  local _
  for _ in $(seq 50); do
    munge -n </dev/null >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged did not answer within 5 s (see /var/log/munge/munged.log)"
}

# Starts daemon $1 (slurmctld|slurmd) unless its PID file names a live process.
start_daemon() {
  local name="$1" pidfile="$state/$1.pid"
  if pid_alive "$pidfile" "$name"; then
    return 0
  fi
  rm -f "$pidfile"
  "$name" -f "$conf" >&2 || die "$name failed to start (see $state/log/$name.log)"
}

wait_idle() {
  local deadline=$((SECONDS + timeout_s)) st=""
  while ((SECONDS < deadline)); do
    st="$(sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true)"
    case "$st" in
      idle|mixed|allocated|completing) return 0 ;;
      down*|drain*|unknown*|"") ;;
    esac
    # A node left DOWN from an earlier run's state file recovers once told to resume.
    if [[ "$st" == down* ]]; then
      scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
    fi
    sleep 0.2
  done
  die "node not idle after ${timeout_s} s (state '${st:-no answer}'); see $state/log/slurmctld.log and slurmd.log"
}

do_start() {
  local t0=$SECONDS
  install_packages
  if [[ -f "$conf" ]] && pid_alive "$state/slurmctld.pid" slurmctld && pid_alive "$state/slurmd.pid" slurmd &&
     sinfo -h >/dev/null 2>&1; then
    log "already running ($conf)"
  else
    write_conf
    start_munge
    start_daemon slurmctld
    start_daemon slurmd
    wait_idle
    log "node idle after $((SECONDS - t0)) s"
  fi
  echo "export SLURM_CONF=$conf"
}

# Sends SIGTERM to the $2 in PID file $1 and waits up to 10 s for it to exit.
stop_pid() {
  local pidfile="$1" name="$2" pid _
  if ! pid_alive "$pidfile" "$name"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    pid_alive "$pidfile" "$name" || { rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  log "pid $pid ($pidfile) ignored SIGTERM for 10 s; sending SIGKILL"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

do_stop() {
  stop_pid "$state/slurmd.pid" slurmd
  stop_pid "$state/slurmctld.pid" slurmctld
  # munged is shared by every Slurm user of this machine; stop it only if we started Slurm here.
  if [[ -f "$conf" ]]; then
    stop_pid /run/munge/munged.pid munged
  fi
  log "stopped"
}

do_status() {
  if [[ -f "$conf" ]] && pid_alive "$state/slurmctld.pid" slurmctld && pid_alive "$state/slurmd.pid" slurmd &&
     sinfo -h >/dev/null 2>&1; then
    sinfo -N
    echo "export SLURM_CONF=$conf"
    return 0
  fi
  echo "slurm_local: not running ($state)"
  return 1
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) usage ;;
esac
