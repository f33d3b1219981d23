#!/usr/bin/env bash
# Makes the README's pictures and figures of the VAE family: trains each mode for
# 10 epochs on the embedded digits (default settings otherwise), runs the command
# that shows it, and writes small PNGs here plus figures.jsonl (one JSON line per
# measurement). About 25 minutes on two CPU cores with llvmpipe.
#   bash demo/gallery/make.sh [RUNS_DIR]   (default /tmp/webgpu-vae-gallery)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-/tmp/webgpu-vae-gallery}
out=demo/gallery
vae() { node dist/cli.js "$@" --adapter "${ADAPTER:-llvmpipe}"; }
figure() { echo "{\"what\": \"$1\", \"result\": $2}" >> "$out/figures.jsonl"; }
train() { local name=$1; shift; [ -f "$runs/$name/samples.png" ] || vae train --out "$runs/$name" --epochs 10 "$@" --json > "$runs/$name.json"; figure "train $name: $*" "$(cat "$runs/$name.json")"; }

npm run -s build:cli
mkdir -p "$runs"
: > "$out/figures.jsonl"

train classic
vae sample --checkpoint "$runs/classic" --out "$out/classic-samples.png" --n 16 --cols 16 --json > /dev/null

train beta4 --beta 4 --latent 10
figure "traverse beta4" "$(vae traverse --checkpoint "$runs/beta4" --out "$out/beta4-traverse.png" --dims 5 --steps 9 --json)"

train conditional --conditional --latent 2
vae interpolate --checkpoint "$runs/conditional" --out "$out/conditional-1-to-7.png" --from-class 1 --to-class 7 --steps 10 --json > /dev/null
cp "$runs/conditional/samples.png" "$out/conditional-samples.png"

train denoise --denoise gaussian:0.5
vae reconstruct --checkpoint "$runs/denoise" --out "$out/denoise.png" --n 12 --cols 12 --json > /dev/null
figure "evaluate denoise" "$(vae evaluate --checkpoint "$runs/denoise" --json)"

train inpaint --inpaint random-box:8-16
vae reconstruct --checkpoint "$runs/inpaint" --out "$out/inpaint-box.png" --n 12 --cols 12 --mask 8,8,12,12 --json > /dev/null
figure "evaluate inpaint (random boxes 8-16)" "$(vae evaluate --checkpoint "$runs/inpaint" --json)"

train ae2 --model ae --latent 2
train vae2 --latent 2
vae latent --checkpoint "$runs/ae2" --out "$out/ae2-latent.png" --grid-size 12 --json > /dev/null
vae latent --checkpoint "$runs/vae2" --out "$out/vae2-latent.png" --grid-size 12 --json > /dev/null
rm "$out/ae2-latent_grid.png" "$out/vae2-latent_grid.png"

train gaussian --likelihood gaussian --sigma 0.1
vae sample --checkpoint "$runs/gaussian" --out "$out/gaussian-samples.png" --n 16 --cols 16 --json > /dev/null

train holdout3 --holdout-class 3
figure "anomaly holdout3" "$(vae anomaly --checkpoint "$runs/holdout3" --out "$runs/holdout3/anomaly" --json)"
cp "$runs/holdout3/anomaly/extremes.png" "$out/anomaly-extremes.png"

train binarized --binarize dynamic
figure "evaluate binarized --iw 1000" "$(vae evaluate --checkpoint "$runs/binarized" --iw 1000 --json)"

train conv --model conv
vae sample --checkpoint "$runs/conv" --out "$out/conv-samples.png" --n 16 --cols 16 --json > /dev/null
vae reconstruct --checkpoint "$runs/conv" --out "$out/conv-reconstruct.png" --n 12 --cols 12 --json > /dev/null
figure "evaluate conv --iw 100" "$(vae evaluate --checkpoint "$runs/conv" --iw 100 --json)"

echo "wrote $out/*.png and $out/figures.jsonl"
