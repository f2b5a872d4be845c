import json
B='/tmp/baseline'; R='/tmp/regen'
def mm(path):
    r=json.load(open(path)); return [(p['policy'],p['success_rate'],p['fork_samples']['left'],p['fork_samples']['right'],p['fork_samples']['mean_x'],p['parameters']) for p in r['policies']]
for d in ['multimodal','multimodal-all']:
    print(d, 'same:', mm(f'{B}/{d}/report.json')==mm(f'{R}/{d}/report.json'))
def st(path):
    r=json.load(open(path)); return [(x.get('target'),x['seed'],x['paths'],x['mean_return'],x['success_rate']) for x in r['rows']], r['q_values']
print('stitching same:', st(f'{B}/stitching/report.json')==st(f'{R}/stitching/report.json'))
for n,d in [('analysis','tok-analysis'),('replay','tok-replay')]:
    print(n,'same:', json.load(open(f'{B}/{d}/{n}.json'))['rows']==json.load(open(f'{R}/{d}/{n}.json'))['rows'])
b=json.load(open(f'{B}/compare-quick/report.json')); r=json.load(open(f'{R}/compare-quick/report.json'))
bs={(s['row'],s['task']):(s['reward_mean'],s['success_mean'],s.get('fork_left'),s.get('fork_right'),s['parameters'],s['train_steps']) for s in b['summary']}
rs={(s['row'],s['task']):(s['reward']['mean'],s['success']['mean'],(s.get('fork') or {}).get('left'),(s.get('fork') or {}).get('right'),s['cost']['parameters'],s['cost']['train_steps']) for s in r['summary']}
print('compare rows', len(bs), len(rs), 'same keys:', bs.keys()==rs.keys())
diff=[(k,bs[k],rs.get(k)) for k in bs if bs[k]!=rs.get(k)]
print('compare same:', not diff); [print(' ',x) for x in diff[:10]]
