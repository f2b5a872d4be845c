#!/usr/bin/env bash
set -u
cd /work/main
dotnet bench/Mimicry.Bench/bin/Release/net10.0/Mimicry.Bench.dll act --threads 2 --repeats 2 --train-steps 10 --memory-steps 300 --out bench/results/act/speed/mimicry-act.json > runs/actbench-mimicry.log 2>&1
export DP_REPO=/tmp/refsrc/dp EINOPS_SRC=/tmp/refsrc/einops LEROBOT_SRC=/tmp/refsrc/lerobot/src
/usr/bin/python3 /work/shared/reference-bench/bench_reference.py --skip-dp --act-chunk16 --act-chunk16-batches 64 --train-steps 10 --repeat 2 --out bench/results/act/speed/lerobot-act.json > runs/actbench-ref.log 2>&1
echo done > runs/actbench.done
