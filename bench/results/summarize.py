#!/usr/bin/env python3
"""Paper-style summary over training seeds from `mimicry eval --checkpoints last:K` reports, one per seed:
per seed the max and the average of the checkpoints' avg max reward, then mean ± sample std over seeds.
A report evaluated with --weights both holds two methods per seed (the EMA and the trained weights): summarized apart.
Usage: summarize.py REPORT.json...   (prints a markdown row per checkpoint list and the summary)"""
import json, statistics as st, sys

reports = [(path, json.load(open(path))) for path in sys.argv[1:]]
for raw in sorted({bool(p.get('raw_weights')) for _, r in reports for p in r['policies']}):
    mx, av, smx, sav = [], [], [], []
    label = "raw weights (no EMA): " if raw else ""
    for path, r in reports:
        rows = [p for p in r['policies'] if bool(p.get('raw_weights')) == raw]
        vals = [p['result']['avg_max_reward'] for p in rows]
        suc = [p['result']['success_rate'] for p in rows]
        print(f"{label}{path}: " + ", ".join(f"{v:.3f}" for v in vals) + f"  (max {max(vals):.3f}, avg {sum(vals)/len(vals):.3f})")
        mx.append(max(vals)); av.append(sum(vals) / len(vals)); smx.append(max(suc)); sav.append(sum(suc) / len(suc))
    sd = lambda v: st.stdev(v) if len(v) > 1 else 0.0
    print(f"{label}seeds {len(mx)}: max {st.mean(mx):.3f} ± {sd(mx):.3f}, avg {st.mean(av):.3f} ± {sd(av):.3f}; success max {st.mean(smx):.0%} / avg {st.mean(sav):.0%}")
