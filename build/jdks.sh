# Finding JDKs, for ./rivet (which JVM gets an AOT cache) and the Maven build (which javac compiles
# linker-core's Java 22 classes). Sourced, not run.

# {the feature version of the JDK whose java this is (0 if unknown)}, from its release file.
feature_version() {
  local line v=0
  if [ -f "${1%/bin/java}/release" ]; then
    while IFS= read -r line; do
      case "$line" in JAVA_VERSION=*) v="${line#JAVA_VERSION=\"}"; v="${v%%[.\"+-]*}" ;; esac
    done < "${1%/bin/java}/release"
  fi
  [[ "$v" =~ ^[0-9]+$ ]] || v=0
  echo "$v"
}

# {the java of the newest JDK of feature version $1 or later in $RIVET_JDKS (default /usr/lib/jvm;
# aliases resolved), or nothing}
newest_jdk() {
  local best="" best_v=$(($1 - 1)) home v
  for home in "${RIVET_JDKS:-/usr/lib/jvm}"/*/; do
    [ -d "$home" ] || continue
    home="$(cd "$home" && pwd -P)"
    [ -x "$home/bin/java" ] || continue
    v="$(feature_version "$home/bin/java")"
    if [ "$v" -gt "$best_v" ]; then best="$home/bin/java"; best_v="$v"; fi
  done
  echo "$best"
}
