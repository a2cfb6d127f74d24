#!/usr/bin/env bash
# Verify throughput against sha256sum over the same files, both using every
# core: modcache verify hashes zips (decompressing them, as go's h1: needs)
# and extracted trees in parallel; sha256sum runs under xargs -P with one
# process per core. MB/s counts the bytes of every file in the cache.
# Target: verify at least 0.8x sha256sum's throughput.
#
#   bench/verify.sh [DIR] [MODULES VERSIONS FILES]
#
# DIR defaults to /tmp/modcache-verify-bench-<m>x<v>x<f>, generated with
# bench/gencache -valid (real zips and .ziphash) when missing. Warm page
# cache, best of 3; run as root to also get a cold run.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=${2:-100} versions=${3:-10} files=${4:-90}
dir=${1:-/tmp/modcache-verify-bench-${modules}x${versions}x${files}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/modcache
go build -o "$bin" ./cmd/modcache
[ -d "$dir" ] || go run ./bench/gencache -valid -dir "$dir" -modules "$modules" -versions "$versions" -files "$files" >/dev/null
export MODCACHE_CONFIG=$work/none.toml MODCACHE_INDEX_DIR=$work/index
cores=$(nproc)
bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "cache: $dir: $(find "$dir" -type f | wc -l) files, $((bytes / 1048576)) MiB; $cores cores"

secs() {
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	echo "$end - $start" | bc
}
shasum() { find "$dir" -type f -print0 | xargs -0 -P"$cores" -n 256 sha256sum; }
verify() { "$bin" verify --modcache "$dir"; }
dropcaches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }

verify >/dev/null || { echo "verify found damage in a generated cache"; exit 1; }
"$bin" du --modcache "$dir" >/dev/null # build the scan index; both sides then read files only

best() { # cmd: best of 3 wall seconds
	local b=999999 s
	for _ in 1 2 3; do
		s=$(secs "$@")
		b=$(echo "if ($s < $b) $s else $b" | bc)
	done
	echo "$b"
}
report() { # label sha-secs verify-secs
	printf '  %-5s sha256sum -P%d %6.2f s %7.0f MB/s   modcache verify %6.2f s %7.0f MB/s   ratio %.2f\n' \
		"$1" "$cores" "$2" "$(echo "$bytes / $2 / 1000000" | bc -l)" "$3" "$(echo "$bytes / $3 / 1000000" | bc -l)" \
		"$(echo "$2 / $3" | bc -l)"
}
report warm "$(best shasum)" "$(best verify)"
if dropcaches; then
	dropcaches; s=$(secs shasum)
	dropcaches; v=$(secs verify)
	report cold "$s" "$v"
else
	echo "  cold: skipped (cannot write /proc/sys/vm/drop_caches; run as root)"
fi
