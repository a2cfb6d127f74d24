#!/usr/bin/env bash
# Compare `modcache prune` evicting everything (full mode) with what a
# person would do by hand, `chmod -R u+w DIR && rm -rf DIR`, on two copies
# of the same synthetic cache. The prune time includes its scan and plan.
# Target: prune at most 1.2x the time of chmod+rm.
#
#   bench/prune.sh [MODULES VERSIONS FILES [ROUNDS]]
#
# Defaults: 200 modules x 10 versions x 90 files (~2,000 versions, ~300k
# files with the few large trees gencache adds), 3 rounds. The page cache is
# warm for both (the copies were just written); run as root to also get a
# cold round (caches dropped before each side).
set -euo pipefail
cd "$(dirname "$0")/.."

modules=${1:-200} versions=${2:-10} files=${3:-90} rounds=${4:-3}
work=$(mktemp -d /tmp/modcache-prune-bench.XXXXXX)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
bin=$work/modcache
go build -o "$bin" ./cmd/modcache
go run ./bench/gencache -dir "$work/src" -modules "$modules" -versions "$versions" -files "$files" >/dev/null
echo "cache: $modules modules x $versions versions x $files files: $(find "$work/src" | wc -l) entries, $(du -sh "$work/src" | cut -f1)"

# No network: availability lookups answer at once, and --force evicts
# everything anyway. No config, no index: the prune scans from scratch.
export GOPROXY=off MODCACHE_CONFIG=$work/none.toml MODCACHE_INDEX_DIR=$work/index

secs() { # cmd...: wall seconds
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	echo "$end - $start" | bc
}
dropcaches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }
rmrf() { chmod -R u+w "$1" && rm -rf "$1"; }
prune() { "$bin" prune --modcache "$1" --no-index --max-size 1 --mode full --force --grace 0; }

run() { # label: one round, both sides on fresh copies
	cp -a "$work/src" "$work/a"
	cp -a "$work/src" "$work/b"
	sync
	[ "$1" = cold ] && dropcaches
	r=$(secs rmrf "$work/a")
	[ "$1" = cold ] && dropcaches
	p=$(secs prune "$work/b")
	left=$(find "$work/b" -type f ! -name '*.lock' ! -name list | wc -l)
	printf '  %-5s rm -rf %6.2f s   modcache prune %6.2f s   ratio %.2f   (files left besides locks and lists: %d)\n' \
		"$1" "$r" "$p" "$(echo "$p / $r" | bc -l)" "$left"
	rmrf "$work/b"
}

for i in $(seq "$rounds"); do run warm; done
if dropcaches; then
	run cold
else
	echo "  cold: skipped (cannot write /proc/sys/vm/drop_caches; run as root)"
fi
