#!/usr/bin/env bash
cd /work/main
M="dotnet /tmp/mimbin/Mimicry.Cli.dll"
Z=data/pusht/pusht_cchi_v7_replay.zarr
export OMP_NUM_THREADS=1
S="--preset tokens-pusht-lowdim-cpu --dataset $Z --set train.threads=1 --set train.eval_every=500 --set train.eval_episodes=50 --overwrite"
$M train tokens $S --out runs/tok/p1 > runs/tok/p1.log 2>&1 &
$M train tokens $S --set policy.label_sigma=0 --out runs/tok/p2 > runs/tok/p2.log 2>&1 &
wait
echo done > runs/tok/probe1.done
