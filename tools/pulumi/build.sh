#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy into a cache outside the clone and
# prints the binary's path. Reused across clones on one machine (keyed by version).
# Cold: about 6 minutes on a 2-core machine (mostly module downloads and compiling);
# warm: the cached binary is returned at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(grep -o "github.com/pulumi/pulumi/pkg/v3 v[0-9.]*" "$here/go.mod" | head -1 | cut -d" " -f2)"
[ -n "$version" ] || { echo "build.sh: no pulumi/pkg/v3 version in $here/go.mod" >&2; exit 1; }
cache="${VAULT_CONSOLE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vault-console/tools}"
out="$cache/pulumi-$version/pulumi"
if [ ! -x "$out" ]; then
  command -v go >/dev/null || { echo "build.sh: Go is needed to build the Pulumi CLI $version (or put pulumi on PATH)" >&2; exit 1; }
  mkdir -p "$cache/pulumi-$version"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp "$here/go.mod" "$here/tools.go" "$work/"
  [ -f "$here/go.sum" ] && cp "$here/go.sum" "$work/"
  echo "build.sh: building the Pulumi CLI $version from the Go module proxy (about 6 min cold)" >&2
  (cd "$work" && GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
      -o "$out.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  mv "$out.tmp" "$out"
fi
echo "$out"
