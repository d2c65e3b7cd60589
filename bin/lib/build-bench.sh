# Sourced by bin/bench-*: builds the bench module (and what it depends on) with the Maven
# wrapper, tests skipped, on first use and whenever a source file is newer than the build.
# Needs $root (the repository) set; defines $bench_jar and ensure_bench_built NAME.

bench_jar="$root/bench/target/sinkgate-bench.jar"

bench_stale() {
  [[ ! -f "$bench_jar" ]] && return 0
  # Only what goes into the jar or its class path: poms and main sources (and the .proto);
  # tests and READMEs do not call for a rebuild (sinkctl, in client/cli, is on its class path).
  [[ -n "$(find "$root/pom.xml" "$root/proto" "$root/client" "$root/server" "$root/bench" \
      \( -path '*/target' -o -path '*/src/test' \) -prune \
      -o -type f \( -name pom.xml -o -path '*/src/main/*' \) -newer "$bench_jar" -print -quit)" ]]
}

# ensure_bench_built NAME: builds if stale; NAME prefixes the messages.
ensure_bench_built() {
  local name="$1"
  if bench_stale; then
    "$root/bin/ensure-mvnw"
    echo "$name: building the bench module (first run or sources changed)..." >&2
    if ! (cd "$root" && ./mvnw -B -q -DskipTests -pl bench -am package >&2); then
      echo "$name: the build failed; see the Maven output above" >&2
      exit 1
    fi
  fi
}
