#!/usr/bin/env bash
# Issue 30: the discrete row, BeT on DP's protocol (../protocol.sh). Usage: run.sh PRESET SEED...
# (bet-pusht-lowdim-cpu: DP's BET setting; bet-chunks-pusht-lowdim-cpu: codes of 16-action chunks; NAME=bet-chunks-k64
# SETS="--set policy.bins=64" for the 64-bin variant)
set -euo pipefail
exec "$(dirname "$0")/../protocol.sh" bet "$1" bench/results/bet "${@:2}"
