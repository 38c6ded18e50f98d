# Shared by the benchmark scripts (scripts/bench, scripts/bench-cluster): start and stop the
# processes under test on loopback. Sourced, not run.

# Sets bin to the folder holding signal-server and signal-bench: the debug build with
# BENCH_QUICK set (built only if missing), the release build, built now, otherwise.
build_bench_binaries() {
  if [ -n "${BENCH_QUICK:-}" ]; then
    bin=.build/debug
    [ -x "$bin/signal-server" ] && [ -x "$bin/signal-bench" ] || { ensure_swift; swift build --product signal-server; swift build --product signal-bench; }
  else
    ensure_apt_packages util-linux
    scripts/build
    swift build -c release --product signal-bench
    bin=.build/release
  fi
}

# Sets server_cpu and bench_cpu, the command prefixes that pin the processes under test to CPU 0
# and the load generator to CPU 1 when there are two CPUs or more (a one-core machine shares it),
# and raises the open-file limit to its hard limit.
pin_bench_cpus() {
  if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    server_cpu=(taskset -c 0); bench_cpu=(taskset -c 1)
  else
    server_cpu=(); bench_cpu=()
  fi
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

# The generator is one client address sending as fast as the server answers: the per-address and
# per-socket limits meant for the open internet are lifted so that they measure the server, not the limits.
bench_server_limits=(--max-connections-per-ip 1000000 --message-rate 1000000000/1s --token-rate 1000000000/1s)

# Starts a command (the arguments after the log file) in the background, its output in the log
# file, and sets started_pid and started_port from the "listening on 127.0.0.1:PORT" line it
# prints. Exits the script, printing the log, if it does not listen within 30 s.
start_listening() {
  local log=$1
  shift
  # Emptied here, not by the redirection below: that happens in the background job, possibly
  # after the first look for the port, which would then find the previous server's.
  : > "$log"
  "$@" >> "$log" 2>&1 &
  started_pid=$!
  await_log_line "$log" 'listening on (http://)?127\.0\.0\.1:[0-9]+' "$*"
  started_port=$(grep -oE 'listening on (http://)?127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$' | head -1)
}

# Returns once the log file holds a line matching the pattern (extended regex) while process
# started_pid runs; otherwise (it ended, or 30 s passed) stops it, prints the log and exits the
# script, naming what did not start.
await_log_line() {
  local log=$1 pattern=$2 what=$3
  for _ in $(seq 300); do
    grep -qE "$pattern" "$log" && return 0
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$started_pid" 2>/dev/null || true
  echo "$what did not start:" >&2
  cat "$log" >&2
  exit 1
}

# Starts redis-server on a free loopback port without persistence (the command before it in the
# arguments, e.g. taskset, runs it), its output in the log file given first, and sets
# started_pid and started_port once it accepts connections. Exits the script if it does not.
start_redis() {
  local log=$1
  shift
  started_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  : > "$log"
  "$@" redis-server --port "$started_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$(dirname "$log")" >> "$log" 2>&1 &
  started_pid=$!
  await_log_line "$log" "Ready to accept connections" redis-server
}

# Stops the processes whose ids are given (SIGTERM) and waits for each.
stop_processes() {
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
