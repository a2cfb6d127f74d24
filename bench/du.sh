#!/usr/bin/env bash
# Compare `modcache du` with `du -sB1` on the same synthetic cache, cold
# and warm, plus the second (indexed) run and peak memory.
#
#   bench/du.sh [DIR] [MODULES VERSIONS FILES]
#
# DIR defaults to /tmp/modcache-bench-<modules>x<versions>x<files>; it is
# generated with bench/gencache when missing. Cold runs drop the page cache
# (echo 3 >/proc/sys/vm/drop_caches), which needs root; otherwise they are
# skipped and said so.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=${2:-200} versions=${3:-10} files=${4:-90}
dir=${1:-/tmp/modcache-bench-${modules}x${versions}x${files}}
bin=$(mktemp -d)/modcache
go build -o "$bin" ./cmd/modcache
[ -d "$dir" ] || go run ./bench/gencache -dir "$dir" -modules "$modules" -versions "$versions" -files "$files"
idx=$(mktemp -d)
export MODCACHE_INDEX_DIR=$idx

nfiles=$(find "$dir" | wc -l)
echo "cache: $dir ($nfiles entries, $(du -sh "$dir" | cut -f1))"

timeit() { # label cmd...: wall seconds and peak RSS
	/usr/bin/time -f "%e %M" -o /tmp/modcache-bench-time "$@" >/dev/null
	read -r secs kb </tmp/modcache-bench-time
	printf '  %-34s %7.3f s  %7d KiB max RSS\n' "$label" "$secs" "$kb"
}
dropcaches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }

if dropcaches; then
	echo "cold (page cache dropped before each run):"
	dropcaches; label="du -sB1" timeit du -sB1 "$dir"
	dropcaches; label="modcache du --no-index" timeit "$bin" du --no-index --modcache "$dir"
else
	echo "cold: skipped (cannot write /proc/sys/vm/drop_caches; run as root)"
fi

echo "warm (best of 5):"
best() {
	local b=999 
	for _ in 1 2 3 4 5; do
		/usr/bin/time -f "%e %M" -o /tmp/modcache-bench-time "$@" >/dev/null
		read -r secs kb </tmp/modcache-bench-time
		b=$(echo "$secs $b" | awk '{print ($1<$2)?$1:$2}')
	done
	printf '  %-34s %7.3f s  %7d KiB max RSS\n' "$label" "$b" "$kb"
}
label="du -sB1" best du -sB1 "$dir"
label="modcache du --no-index" best "$bin" du --no-index --modcache "$dir"
"$bin" du --modcache "$dir" >/dev/null # build the index
label="modcache du (indexed, 2nd run)" best "$bin" du --modcache "$dir"
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 3 --runs 30 "$bin du --modcache $dir" 2>&1 | grep -E 'Time|Range' | sed 's/^/  indexed: /'
fi

echo "totals agree:"
echo "  du -sB1:     $(du -sB1 "$dir" | cut -f1)"
echo "  modcache:    $("$bin" du --no-index --json --modcache "$dir" | sed -n 's/^  "totalBytes": \([0-9]*\),/\1/p')"
rm -rf "$idx" "$(dirname "$bin")"
