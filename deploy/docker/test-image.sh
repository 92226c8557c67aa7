#!/usr/bin/env bash
# Build the Wayfare image with a local Docker engine and smoke-test it, fully offline.
#
# Usage: deploy/docker/test-image.sh [--context DIR] [--keep]
#   --context DIR   Cargo workspace to build (default: the repository root; env WAYFARE_IMAGE_CONTEXT)
#   --keep          leave the test container running
# Environment:
#   WAYFARE_TOOLS_DIR  cache for base-image rootfs tarballs, vendored crates, logs
#                      (default ~/.cache/wayfare-tools)
#   WAYFARE_IMAGE      tag given to the built image (default wayfare:local-test)
#
# What it does:
#   1. installs docker.io and debootstrap from Debian if missing, starts dockerd if no engine answers
#      (no bridge, no iptables: builds run with --network none, the container with --network host
#      on 127.0.0.1, so no traffic leaves the machine);
#   2. makes the two base images locally, once, and caches them (nothing can be pulled here):
#        builder  Debian bookworm minbase + gcc/libc6-dev/pkg-config + the host's Rust toolchain
#        runtime  a distroless-like rootfs cut out of bookworm: glibc, libgcc, libstdc++, libssl3,
#                 CA certificates, tzdata, /etc/passwd with nonroot (65532); no shell, no apt;
#   3. `cargo vendor`s the workspace's dependencies on the host (containers build with no network)
#      into a side directory that is sent with the build context (never into the work tree);
#      builds the web app on the host when the workspace has one (web/: `npm ci` if it has no
#      node_modules yet, `npm run build` -> web/dist, which the Dockerfile copies), as the release
#      workflow does before its image build;
#   4. builds deploy/docker/Dockerfile with DOCKER_BUILDKIT=0, base images as build args
#      (WEB_REQUIRED=true when there is a web app);
#   5. runs it read-only, non-root, all capabilities dropped, with a tmpfs on /tmp, and checks
#      /healthz, /readyz, /metrics → 200 on the ops port (not /metrics on the public one) and
#      GET /api/catalog/products?limit=1 → 200 JSON; with a web app, that `/`, a client-side
#      route and an asset are web/dist's files (WAYFARE_WEB_DIR); checks the image has
#      no shell and runs as a non-root user.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
context="${WAYFARE_IMAGE_CONTEXT:-$repo_root}"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --context) context="$2"; shift 2 ;;
    --context=*) context="${1#*=}"; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done
context="$(cd "$context" && pwd)"
tools="${WAYFARE_TOOLS_DIR:-$HOME/.cache/wayfare-tools}"
cache="$tools/image"
image="${WAYFARE_IMAGE:-wayfare:local-test}"
suite=bookworm
mkdir -p "$cache"

log() { printf '[test-image] %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ -f "$context/Cargo.toml" ] && [ -f "$context/Cargo.lock" ] \
  || die "$context has no Cargo.toml + Cargo.lock (a --locked build needs both)"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------- 1. engine and tools
need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
command -v curl >/dev/null || need_pkgs+=(curl)
if [ -f "$context/web/package.json" ]; then command -v npm >/dev/null || need_pkgs+=(nodejs npm); fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

started_dockerd=""
container=""
cleanup() {
  if [ -n "$container" ] && [ "$keep" = 0 ]; then docker rm -f "$container" >/dev/null 2>&1 || true; fi
  if [ -n "$started_dockerd" ] && [ "$keep" = 0 ]; then
    log "stopping the dockerd this script started (pid $started_dockerd)"
    as_root kill "$started_dockerd" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.5; done
  fi
}
trap cleanup EXIT

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: $cache/dockerd.log)"
  # Started directly (not through a function or subshell) so that $! is dockerd itself.
  if [ "$(id -u)" = 0 ]; then
    dockerd --bridge=none --iptables=false --ip6tables=false >"$cache/dockerd.log" 2>&1 &
  else
    sudo dockerd --bridge=none --iptables=false --ip6tables=false >"$cache/dockerd.log" 2>&1 &
  fi
  started_dockerd=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 "$cache/dockerd.log" >&2; die "dockerd did not start"; }
fi
export DOCKER_BUILDKIT=0

# ---------------------------------------------------------------- 2. base images
mirror="$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"

rustc_sysroot="$(rustc --print sysroot)"
rust_version="$(rustc --version | awk '{print $2}')"
runtime_base="wayfare-local/runtime-base:$suite-1"
builder_base="wayfare-local/builder-base:$suite-rust-$rust_version-1"

debootstrap_to() { # dir, extra packages
  local dir="$1" include="$2"
  if [ -f "$dir/.complete" ]; then return; fi
  log "debootstrap $suite minbase (+$include) into $dir"
  as_root rm -rf "$dir"
  as_root debootstrap --variant=minbase --include="$include" "$suite" "$dir" "$mirror" \
    >"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; die "debootstrap failed"; }
  as_root touch "$dir/.complete"
}

if ! docker image inspect "$builder_base" >/dev/null 2>&1; then
  root="$cache/rootfs-builder"
  debootstrap_to "$root" "ca-certificates,gcc,libc6-dev,pkg-config,make"
  log "copying the host's Rust toolchain ($rust_version) into the builder rootfs"
  as_root rm -rf "$root/usr/local/rust" "$root/usr/local/cargo"
  as_root mkdir -p "$root/usr/local/rust" "$root/usr/local/cargo/bin"
  # bin + lib are the toolchain; share/ (docs, man pages) is left out.
  as_root cp -a "$rustc_sysroot/bin" "$rustc_sysroot/lib" "$root/usr/local/rust/"
  [ -d "$rustc_sysroot/libexec" ] && as_root cp -a "$rustc_sysroot/libexec" "$root/usr/local/rust/"
  for b in cargo rustc rustdoc; do as_root ln -sf "/usr/local/rust/bin/$b" "$root/usr/local/cargo/bin/$b"; done
  as_root rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  log "importing $builder_base"
  as_root tar -C "$root" --exclude=./.complete -cf - . | docker import \
    -c 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV CARGO_HOME=/usr/local/cargo' -c 'WORKDIR /' - "$builder_base" >/dev/null
fi

if ! docker image inspect "$runtime_base" >/dev/null 2>&1; then
  root="$cache/rootfs-runtime-src"
  debootstrap_to "$root" "ca-certificates,tzdata,libssl3,netbase"
  out="$cache/rootfs-runtime"
  log "cutting a distroless-like runtime rootfs out of $root"
  as_root rm -rf "$out"; mkdir -p "$out"
  list="$cache/runtime-files.txt"
  : >"$list"
  for pkg in base-files libc6 libgcc-s1 libstdc++6 libssl3 zlib1g ca-certificates tzdata netbase; do
    dpkg --admindir="$root/var/lib/dpkg" -L "$pkg" 2>/dev/null | while read -r p; do
      [ -e "$root$p" ] || [ -L "$root$p" ] || continue
      [ -d "$root$p" ] && [ ! -L "$root$p" ] && continue
      # bookworm is merged-/usr: resolve the parent directory so /lib/x.so lands in usr/lib.
      parent="$(realpath -m --relative-to="$root" "$root$(dirname "$p")")"
      printf '%s/%s\n' "$parent" "$(basename "$p")"
    done >>"$list"
  done
  echo "etc/ssl/certs" >>"$list"  # ca-certificates.crt is generated by the package's postinst
  as_root tar -C "$root" -cf - bin lib lib64 sbin 2>/dev/null | tar -C "$out" -xf - || true
  sort -u "$list" | as_root tar -C "$root" -cf - -T - | tar -C "$out" -xf -
  mkdir -p "$out/tmp" "$out/home/nonroot" "$out/etc"
  chmod 1777 "$out/tmp"
  chown 65532:65532 "$out/home/nonroot"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$out/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$out/etc/group"
  printf 'hosts: files dns\n' >"$out/etc/nsswitch.conf"
  [ ! -e "$out/bin/sh" ] && [ ! -e "$out/usr/bin/sh" ] || die "runtime rootfs unexpectedly has a shell"
  log "importing $runtime_base"
  tar -C "$out" -cf - . | docker import -c 'USER 65532:65532' -c 'WORKDIR /' - "$runtime_base" >/dev/null
fi

# ---------------------------------------------------------------- 3. vendored crates
lock_hash="$(sha256sum "$context/Cargo.lock" | cut -c1-16)"
extra="$cache/context-extra-$lock_hash"
if [ ! -f "$extra/.complete" ]; then
  log "cargo vendor (dependencies of Cargo.lock $lock_hash) into $extra"
  rm -rf "$extra"; mkdir -p "$extra/.wayfare-build"
  (cd "$context" && cargo vendor --locked --versioned-dirs "$extra/.wayfare-build/vendor" \
      >"$extra/.wayfare-build/cargo-vendor-config.toml") 2>"$cache/cargo-vendor.log" \
    || { tail -20 "$cache/cargo-vendor.log" >&2; die "cargo vendor failed"; }
  # cargo prints the absolute host path; inside the build the vendor dir sits under /src.
  sed -i 's#^directory = .*#directory = "/src/.wayfare-build/vendor"#' \
    "$extra/.wayfare-build/cargo-vendor-config.toml"
  touch "$extra/.complete"
fi
mkdir -p "$extra/.wayfare-build"
cp "$here/Dockerfile" "$extra/.wayfare-build/Dockerfile"

# The web app, built on the host (the build container has no network for npm).
web_dist=""
if [ -f "$context/web/package.json" ]; then
  log "building the web app (web/: npm run build; log $cache/web-build.log)"
  if ! (cd "$context/web" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } \
        && npm run build) >"$cache/web-build.log" 2>&1; then
    tail -30 "$cache/web-build.log" >&2
    die "the web app did not build (full log: $cache/web-build.log)"
  fi
  [ -f "$context/web/dist/index.html" ] || die "web/dist/index.html missing after npm run build"
  web_dist="$context/web/dist"
fi

# ---------------------------------------------------------------- 4. build
excludes=()
while read -r pat; do
  case "$pat" in ''|'#'*|'!'*) continue ;; esac
  # .dockerignore patterns are anchored at the context root unless they start with **/.
  case "$pat" in '**/'*) excludes+=("--exclude=${pat#\*\*/}") ;; *) excludes+=("--exclude=./$pat") ;; esac
done <"$here/Dockerfile.dockerignore"

log "building $image from $context (DOCKER_BUILDKIT=0, --network none)"
build_log="$cache/build.log"
start=$(date +%s)
# Docker anchors patterns at the root and `*` never crosses `/`; make tar agree, or `*.log`
# would also drop files inside vendored crates.
if ! tar --no-wildcards-match-slash -C "$context" "${excludes[@]}" -cf - . -C "$extra" ./.wayfare-build \
    | docker build --network none -f .wayfare-build/Dockerfile \
        --build-arg "BUILDER_IMAGE=$builder_base" --build-arg "RUNTIME_IMAGE=$runtime_base" \
        --build-arg "WEB_REQUIRED=$([ -n "$web_dist" ] && echo true || echo false)" \
        -t "$image" - >"$build_log" 2>&1; then
  tail -40 "$build_log" >&2
  die "docker build failed (full log: $build_log)"
fi
log "built $image in $(( $(date +%s) - start ))s; $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1/1e6}')"

# ---------------------------------------------------------------- 5. run and check
user="$(docker image inspect -f '{{.Config.User}}' "$image")"
case "$user" in ''|0|0:*|root|root:*) die "image runs as root (USER=$user)" ;; esac
if docker run --rm --network none --entrypoint /bin/sh "$image" -c true >/dev/null 2>&1; then
  die "runtime image has a shell"
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
ops_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
container="wayfare-image-test-$$"
# /healthz, /readyz and /metrics live on the operational listener (WAYFARE_OPS_LISTEN), as in the
# chart (port `ops`); the public port serves the API only.
docker run -d --name "$container" --network host --read-only \
  --tmpfs /tmp:rw,nosuid,nodev,noexec,size=64m --user 65532:65532 --cap-drop ALL \
  --security-opt no-new-privileges -e "WAYFARE_OPS_LISTEN=127.0.0.1:$ops_port" \
  "$image" serve --target all --listen "127.0.0.1:$port" --data-dir /tmp/wayfare >/dev/null

base="http://127.0.0.1:$port"
ops="http://127.0.0.1:$ops_port"
ready=""
for _ in $(seq 1 60); do
  code="$(curl -s -o /dev/null -w '%{http_code}' "$ops/readyz" || true)"
  if [ "$code" = 200 ]; then ready=1; break; fi
  if [ "$(docker inspect -f '{{.State.Running}}' "$container")" != true ]; then break; fi
  sleep 1
done
if [ -z "$ready" ]; then docker logs "$container" 2>&1 | tail -30 >&2; die "/readyz never answered 200"; fi
log "/readyz 200"

code="$(curl -s -o /dev/null -w '%{http_code}' "$ops/healthz")"
[ "$code" = 200 ] || die "/healthz answered $code"
code="$(curl -s -o /dev/null -w '%{http_code}' "$ops/metrics")"
[ "$code" = 200 ] || die "/metrics on the ops port answered $code"
code="$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")"
[ "$code" != 200 ] || die "/metrics is still served on the public port"
body="$cache/products.json"
code="$(curl -s -o "$body" -w '%{http_code}' "$base/api/catalog/products?limit=1")"
[ "$code" = 200 ] || { docker logs "$container" 2>&1 | tail -30 >&2; die "GET /api/catalog/products?limit=1 answered $code"; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, dict) and "items" in d, d' "$body" \
  || die "GET /api/catalog/products?limit=1 did not return a JSON list envelope: $(head -c 300 "$body")"
log "GET /api/catalog/products?limit=1 200 JSON"

if [ -n "$web_dist" ]; then
  # The gateway serves web/dist from WAYFARE_WEB_DIR: `/` and client-side routes are its
  # index.html, assets are the built files, byte for byte.
  page="$cache/web-page.html"
  for path in / /flights/search; do
    code="$(curl -s -o "$page" -w '%{http_code}' "$base$path")"
    [ "$code" = 200 ] || die "GET $path answered $code"
    cmp -s "$page" "$web_dist/index.html" || die "GET $path is not web/dist/index.html: $(head -c 200 "$page")"
  done
  asset="$(cd "$web_dist" && find assets -type f -name '*.js' 2>/dev/null | head -1)"
  if [ -n "$asset" ]; then
    code="$(curl -s -o "$page" -w '%{http_code}' "$base/$asset")"
    if [ "$code" != 200 ] || ! cmp -s "$page" "$web_dist/$asset"; then die "GET /$asset answered $code or another body"; fi
  fi
  log "the web app is served from the image (/, a client route${asset:+, /$asset})"
fi

log "OK: $image builds, runs read-only as non-root and serves"
