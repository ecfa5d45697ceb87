#!/usr/bin/env bash
# Downloads the four MNIST IDX files (gzipped) into DIR and checks the SHA-256 of the uncompressed
# content against the standard hashes. Needs internet; CI never calls this.
set -euo pipefail
dir="${1:-data/mnist}"
mirror="${MNIST_MIRROR:-https://storage.googleapis.com/cvdf-datasets/mnist}"
mkdir -p "$dir"
declare -A sums=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
for f in "${!sums[@]}"; do
  if [ ! -s "$dir/$f.gz" ]; then
    echo "downloading $mirror/$f.gz"
    curl -fsSL --retry 3 -o "$dir/$f.gz.part" "$mirror/$f.gz"
    mv "$dir/$f.gz.part" "$dir/$f.gz"
  fi
  got=$(gunzip -c "$dir/$f.gz" | sha256sum | cut -d' ' -f1)
  if [ "$got" != "${sums[$f]}" ]; then
    echo "SHA-256 mismatch for $dir/$f.gz: expected ${sums[$f]}, got $got" >&2
    exit 1
  fi
  echo "ok $dir/$f.gz"
done
