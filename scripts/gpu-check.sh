#!/usr/bin/env bash
# What a CUDA machine runs to check issue 24 (the training step on every device), writing JSON/text to $OUT
# (default out/gpu-check). It needs PyTorch with CUDA for python3 (or MIMICRY_LIBTORCH=DIR) and the bundle
# that scripts/bundle.sh makes on a machine with the .NET SDK: out/mimicry-bundle.tar.xz (a GPU box without
# .NET gets it carried over). With DP_SRC=DIR (Diffusion Policy's sources, ../shared/reference-bench/get_sources.sh)
# it also times DP's own training step (../shared/reference-bench/gpu_bench.py, copied to bench/reference/)
# back to back with Mimicry's on the same GPU.
#   scripts/gpu-check.sh              steps: doctor, train-step bench (cuda), fork train + eval on cuda, Push-T short train + eval
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$root/out/gpu-check}"
mkdir -p "$OUT"
log() { echo "gpu-check: $*" | tee -a "$OUT/log.txt" >&2; }
work="$(mktemp -d)"
if [[ -x "$root/out/mimicry-bundle/mimicry" ]]; then bundle="$root/out/mimicry-bundle"
elif [[ -f "$root/out/mimicry-bundle.tar.xz" ]]; then tar -C "$work" -xJf "$root/out/mimicry-bundle.tar.xz"; bundle="$work/mimicry-bundle"
else log "no bundle: run scripts/bundle.sh on a machine with the .NET SDK and bring out/mimicry-bundle.tar.xz"; exit 2; fi
cd "$bundle"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/nvidia-smi.csv" 2>&1
python3 -c "import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))" > "$OUT/pytorch.txt" 2>&1
./mimicry doctor | tee "$OUT/doctor.txt"
status=0
run() { local name="$1"; shift; log "$name: $*"; local t0=$SECONDS
  if "$@" > "$OUT/$name.log" 2>&1; then log "$name: ok in $((SECONDS - t0)) s"; else log "$name: FAILED (exit $?) after $((SECONDS - t0)) s; tail:"; tail -5 "$OUT/$name.log" | tee -a "$OUT/log.txt"; status=1; fi; }
run train-step ./mimicry-bench train-step --device cuda --steps 200 --out "$OUT/train-step-cuda.json"
if [[ -n "${DP_SRC:-}" ]]; then
  for dims in 32,64,128 256,512,1024; do
    run "dp-reference-$dims" python3 "$root/bench/reference/gpu_bench.py" "$DP_SRC" "$dims" 300
  done
else log "DP_SRC unset: DP's own step not timed (see the header)"; fi
run fork-data ./mimicry dataset generate "$work/fork" --task fork --episodes 200
run fork-train ./mimicry train diffusion --dataset "$work/fork" --out "$work/fork-run" --steps 300 --set train.batch_size=64 --device cuda
run fork-eval ./mimicry eval "$work/fork-run" --episodes 20 --device cuda --out "$OUT/fork-eval"
run pusht-import ./mimicry dataset import data/pusht/pusht_cchi_v7_replay.zarr "$work/pusht"
run pusht-train ./mimicry train diffusion --preset dp-pusht-lowdim-cpu-lr1e-3 --dataset "$work/pusht" --out "$work/pusht-run" --device cuda
run pusht-eval ./mimicry eval "$work/pusht-run" --checkpoints last:5 --episodes 50 --seed-start 100000 --device cuda --out "$OUT/pusht-eval"
cp "$work/pusht-run/metrics.jsonl" "$OUT/pusht-metrics.jsonl" 2>/dev/null
# Issue 29 on CUDA: 32 websocket clients against the served checkpoint, batched (max batch 32) and unbatched, 30 s each.
run serve-load ./mimicry-bench serve --run "$work/pusht-run" --device cuda --seconds 30 --skip-pusht --out "$OUT/serve-cuda.json"
log "done (status $status); results in $OUT"
exit $status
