#!/usr/bin/env bash
# Installs the real programs the tests start, when they are missing:
#   nginx with its WebDAV PUT support (Debian's nginx-light has
#   dav_methods; libnginx-mod-http-dav-ext adds the rest of WebDAV),
#   versitygw v1.8.0, an S3 gateway over a directory, from the Go module proxy,
#   and the OpenSSH client and tmux, which the SSH test drives as a user would.
# The tests look for them on PATH, in $(go env GOPATH)/bin and in /usr/sbin,
# and fail (never skip) when they are absent.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "$gobin/$1" ]; }

gobin=$(go env GOBIN)
if [ -z "$gobin" ]; then
	gobin="$(go env GOPATH | cut -d: -f1)/bin"
fi

pkgs=()
have nginx || pkgs+=(nginx-light libnginx-mod-http-dav-ext)
have ssh || pkgs+=(openssh-client)
have tmux || pkgs+=(tmux)
if [ ${#pkgs[@]} -gt 0 ]; then
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
	$sudo apt-get update
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}"
	# The nginx package starts a system nginx on port 80; the tests run their own.
	$sudo systemctl disable --now nginx >/dev/null 2>&1 || true
fi

if ! have versitygw; then
	go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi

echo "nginx:     $(command -v nginx || echo /usr/sbin/nginx)"
echo "versitygw: $(command -v versitygw || echo "$gobin/versitygw")"
