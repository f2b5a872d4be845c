#!/usr/bin/env bash
# Issue 30, item 4: can ACT's latent carry the fork's mode at all? ACT's fork arm (width 128, chunk 16, 8 executed) trained
# at kl_weight 0.01, 0.03, 0.1 and ACT's 10, 3,000 steps each (twice the experiment's default, to the L1's plateau), acted with
# z = 0 and z ~ N(0, I); the samples at the fork say whether z picks a side. Usage: run.sh [KL...]
set -euo pipefail
cd "$(dirname "$0")/../../../.."
out=bench/results/act/fork-kl
for kl in "${@:-0.01 0.03 0.1 10}"; do
  for k in $kl; do
    r=runs/act-fork-kl/kl$k
    ${MIMICRY:-./mimicry} multimodal --policies act --steps 3000 --set act:policy.kl_weight=$k --out $r > $r.log 2>&1 || { echo "kl $k failed: $r.log"; exit 1; }
    mkdir -p $out/kl$k
    cp $r/report.md $r/report.json $out/kl$k/
    cp $r/fork_samples.png $out/kl$k/ 2>/dev/null || true
    # the last logged KL and L1 of the run
    tail -1 $r/act/metrics.jsonl > $out/kl$k/last-metrics.json
    cp $r/act/metrics.jsonl $out/kl$k/act-metrics.jsonl; cp $r/rollouts.png $out/kl$k/ 2>/dev/null || true
  done
done
