# Sourced by the Go steps: modules and the build cache live in build/go (gitignored), so a clean
# clone downloads and compiles aws-cdk-go once and later runs reuse them; the machine's Go is used.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export GOMODCACHE="$root/build/go/mod" GOCACHE="$root/build/go/cache" GOTOOLCHAIN=local
# -modcacherw: the module cache can be deleted with rm -rf build/.
export GOFLAGS="-buildvcs=false -modcacherw"
