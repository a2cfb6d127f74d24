#!/usr/bin/env bash
# Push a ~1 GB closure from a synthetic module cache and compare it with
# `cp -r` of the same files; then measure the S3 (versitygw) and HTTP PUT
# (nginx dav_methods PUT) targets. Target: a directory push costs at most
# 1.3x cp -r.
#
#   bench/push.sh [MODULES VERSIONS FILES SIZE [ROUNDS]]
#
# Defaults: 100 modules x 10 versions x 20 files of ~64 KiB, plus the two
# 20x larger modules gencache adds: ~1,000 versions, ~1 GB of zips (real
# module zips with .ziphash, from gencache -valid). WORK=DIR reuses a cache
# generated earlier (generation takes a minute or two).
#
# Every push verifies every zip before it leaves (zip.CheckZip, then the
# go.sum hash, which means inflating every file). The first push does that
# from scratch ("cold"); it remembers each verified hash with the zip's
# identity (inode, size, mtime, ctime), so later pushes ("warm") only
# re-check what changed. modcache verify fills the same memo, so the first
# push after a verify is warm too. cp -r verifies nothing. All runs read from a warm
# page cache and write to the same filesystem; nobody fsyncs.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=${1:-100} versions=${2:-10} files=${3:-20} size=${4:-65536} rounds=${5:-3}
work=${WORK:-$(mktemp -d /tmp/modcache-push-bench.XXXXXX)}
cache=$work/cache
out=$work/out
bin=$work/modcache
pids=() # servers started here
cleanup() {
	# SIGTERM: nginx's master stops its workers before it exits.
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$out"
}
trap cleanup EXIT

go build -o "$bin" ./cmd/modcache
if [ ! -d "$cache" ]; then
	go run ./bench/gencache -dir "$cache" -valid -modules "$modules" -versions "$versions" -files "$files" -size "$size" >/dev/null
fi
rm -rf "$out" && mkdir -p "$out"
zipbytes=$(find "$cache/cache/download" -name '*.zip' -printf '%s\n' | awk '{s += $1} END {print s}')
echo "cache: $(find "$cache/cache/download" -name '*.zip' | wc -l) versions, $((zipbytes / 1000000)) MB of zips, $(du -sh "$cache/cache/download" | cut -f1) in cache/download"

# No network, no user config; the scan index and the memo of verified
# hashes live in the bench directory.
export GOMODCACHE=$cache GOPROXY=off GOFLAGS=-mod=mod GOSUMDB=off MODCACHE_CONFIG=$work/none.toml
export MODCACHE_INDEX_DIR=$work/index
rm -rf "$MODCACHE_INDEX_DIR"

secs() { # cmd...: wall seconds
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	echo "$end - $start" | bc
}
mbs() { echo "scale=0; $zipbytes / 1000000 / $1" | bc -l; }
push() { "$bin" push --to "$1" 'example.com/*'; }

# Warm the page cache and the scan index, as any earlier run would.
find "$cache/cache/download" -type f -exec cat {} + >/dev/null
"$bin" du >/dev/null

sync
cold_s=$(secs push "$out/dir-cold")
again_s=$(secs push "$out/dir-cold")
rm -rf "$out/dir-cold"
printf 'dir:  push cold (verifies every zip from scratch) %6.2f s   re-push, all present %6.2f s\n' "$cold_s" "$again_s"

# verify fills the same memo: the first push after it hashes nothing again.
rm -f "$MODCACHE_INDEX_DIR"/verified-*.json
verify_s=$(secs "$bin" verify)
sync
cp_s=$(secs cp -r "$cache/cache/download" "$out/cp")
sync
after_s=$(secs push "$out/dir-cold")
rm -rf "$out/cp" "$out/dir-cold"
printf 'dir:  modcache verify %6.2f s, then cp -r %6.2f s   first push %6.2f s   ratio %.2f\n' "$verify_s" "$cp_s" "$after_s" "$(echo "$after_s / $cp_s" | bc -l)"
for i in $(seq "$rounds"); do
	sync
	cp_s=$(secs cp -r "$cache/cache/download" "$out/cp")
	sync
	warm_s=$(secs push "$out/dir")
	printf 'dir:  round %d   cp -r %6.2f s   push (warm) %6.2f s   ratio %.2f\n' "$i" "$cp_s" "$warm_s" "$(echo "$warm_s / $cp_s" | bc -l)"
	rm -rf "$out/cp" "$out/dir"
done

# Servers: the same finders the tests use.
find_server() {
	command -v "$1" 2>/dev/null && return
	for d in "$(go env GOPATH | cut -d: -f1)/bin" /usr/sbin /usr/local/sbin; do
		[ -x "$d/$1" ] && echo "$d/$1" && return
	done
	echo "bench/push.sh: $1 is not installed; run .ci/install-servers.sh" >&2
	exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# S3: versitygw over a directory; a bucket is a directory there.
gw=$(find_server versitygw)
port=$(free_port)
mkdir -p "$out/gw/bench"
"$gw" --access benchaccess --secret benchsecret123 --port "127.0.0.1:$port" --quiet posix "$out/gw" >"$out/gw.log" 2>&1 &
pids+=($!)
wait_port "$port"
s3_s=$(AWS_ACCESS_KEY_ID=benchaccess AWS_SECRET_ACCESS_KEY=benchsecret123 \
	secs push "s3://bench/goproxy?endpoint=http://127.0.0.1:$port&region=us-east-1")
printf 's3:   push %6.2f s   %s MB/s   (versitygw posix, loopback)\n' "$s3_s" "$(mbs "$s3_s")"

# HTTP PUT: nginx, run as the current user, everything under $out/nginx.
nginx=$(find_server nginx)
port=$(free_port)
n=$out/nginx
mkdir -p "$n/html"
user=""
[ "$(id -u)" -eq 0 ] && user="user root;"
cat >"$n/nginx.conf" <<CONF
$user
worker_processes 2;
error_log $n/error.log;
pid $n/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $n/body;
    proxy_temp_path $n/proxy; fastcgi_temp_path $n/fastcgi; uwsgi_temp_path $n/uwsgi; scgi_temp_path $n/scgi;
    server {
        listen 127.0.0.1:$port;
        root $n/html;
        client_max_body_size 600m;
        location / { dav_methods PUT; create_full_put_path on; dav_access user:rw group:r all:r; }
    }
}
CONF
"$nginx" -p "$n" -e "$n/error.log" -c "$n/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_port "$port"
http_s=$(secs push "http://127.0.0.1:$port/goproxy/")
printf 'http: push %6.2f s   %s MB/s   (nginx dav_methods PUT, loopback)\n' "$http_s" "$(mbs "$http_s")"
