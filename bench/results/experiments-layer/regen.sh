#!/bin/bash
cd /tmp/regen-tree
O=/tmp/regen
rm -rf $O; mkdir -p $O
./mimicry tokenize analyze --out $O/tok-analysis > $O/tok-analysis.log 2>&1
./mimicry tokenize replay --out $O/tok-replay > $O/tok-replay.log 2>&1
./mimicry compare --quick --out $O/compare-quick > $O/compare-quick.log 2>&1
./mimicry stitching --out $O/stitching --seeds 3 --steps 1500 > $O/stitching.log 2>&1
./mimicry multimodal --out $O/multimodal > $O/multimodal.log 2>&1
./mimicry multimodal --policies bc,diffusion,flow,act,tokens --steps 300 --episodes 20 --out $O/multimodal-all > $O/multimodal-all.log 2>&1
echo done > $O/DONE
