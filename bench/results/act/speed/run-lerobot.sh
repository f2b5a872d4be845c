#!/usr/bin/env bash
# LeRobot's ACT, the same configurations as bench/Mimicry.Bench act (run at 04:59-05:17 on this machine); the training lanes are paused meanwhile.
set -u
cd /work/main
export DP_REPO=/tmp/refsrc/dp EINOPS_SRC=/tmp/refsrc/einops LEROBOT_SRC=/tmp/refsrc/lerobot/src
/usr/bin/python3 /work/shared/reference-bench/bench_reference.py --skip-dp --act-chunk16 --act-chunk16-batches 64 --train-steps 10 --repeat 2 --out bench/results/act/speed/lerobot-act.json > runs/actbench-ref.log 2>&1
echo done > runs/actbench-ref.done
