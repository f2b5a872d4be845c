using Mimicry.Evaluation;
using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.IO;
using ScottPlot;

namespace Mimicry.Experiments.Compare;

/// <summary>One row of the comparison table: a policy variant on a task, over its training seeds.</summary>
public sealed record CompareSummary(string Row, string Policy, string Task, int Seeds, double RewardMean, double RewardStd, double SuccessMean, double SuccessStd,
    long Parameters, int TrainSteps, double TrainMinutes, double? Batch1P50Ms, double? Batch1P95Ms, double BatchedP50Ms, double EnvsPerCall,
    double OutOfBounds, double MeanChange, double P99Change, double MeanBoundaryChange, double P99BoundaryChange,
    double? ForkLeft, double? ForkMiddle, double? ForkRight, int NetworkPasses = 1, double? TrainGflops = null, double? Batch1Gflops = null);

/// <summary>report.md, report.json and the plots of a comparison.</summary>
public static class CompareReport
{
    public static IReadOnlyList<CompareSummary> Summarize(IReadOnlyList<CompareRow> rows) =>
        rows.GroupBy(r => (r.Row, r.Task)).Select(g =>
        {
            var l = g.ToList();
            double Mean(Func<CompareRow, double> f) => l.Average(f);
            double? MeanOpt(Func<CompareRow, double?> f) => l.All(r => f(r) is not null) ? l.Average(r => f(r)!.Value) : null;
            return new CompareSummary(g.Key.Row, l[0].Policy, g.Key.Task, l.Count, Mean(r => r.Eval.AvgMaxReward), PaperStyle.Std(l.Select(r => r.Eval.AvgMaxReward)),
                Mean(r => r.Eval.SuccessRate), PaperStyle.Std(l.Select(r => r.Eval.SuccessRate)), l[0].Parameters, l[0].TrainSteps, Mean(r => r.TrainSeconds) / 60,
                MeanOpt(r => r.Batch1P50Ms), MeanOpt(r => r.Batch1P95Ms), Mean(r => r.Eval.LatencyP50Ms), Mean(r => r.Eval.MeanBatchPerCall),
                Mean(r => r.Eval.Actions?.OutOfBoundsFraction ?? 0), Mean(r => r.Eval.Actions?.MeanChange ?? 0), Mean(r => r.Eval.Actions?.P99Change ?? 0),
                Mean(r => r.Eval.Actions?.MeanBoundaryChange ?? 0), Mean(r => r.Eval.Actions?.P99BoundaryChange ?? 0),
                MeanOpt(r => r.Fork?.Left), MeanOpt(r => r.Fork?.Middle), MeanOpt(r => r.Fork?.Right), l[0].NetworkPasses, MeanOpt(r => r.TrainGflops), MeanOpt(r => r.Batch1Gflops));
        }).ToList();

    public static void Write(string outDir, CompareOptions o, IReadOnlyList<CompareEntry> plan, IReadOnlyList<CompareRow> rows, IReadOnlyDictionary<string, double> secondsPerStep,
        double matmulPeakGflops, string command)
    {
        var summary = Summarize(rows);
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Every paradigm, one protocol: the comparison, measured\n");
        md.AppendLine($"`{command}` at {EvalReport.CurrentGitRevision()}, {DateTime.UtcNow:u}. {(o.Quick ? $"**Quick run** ({o.QuickSteps} steps, tiny models): a smoke test of the pipeline, not a result." : $"Budget: {o.BudgetMinutes:G3} training minutes per (policy, seed) on Push-T and {o.ForkBudgetMinutes:G3} on the fork, on this machine, turned into steps by timing {CompareRunner.ProbeSteps} steps of each configuration after {CompareRunner.ProbeWarmupSteps} untimed ones (the rates are cached in `step_times.json`; measured minutes per run are the `train min` column and the budget table's last column).")}");
        md.AppendLine($"{o.Seeds} training seed(s) per policy; every row evaluated on the same {o.Episodes} episodes, seeds {o.SeedStart}-{o.SeedStart + o.Episodes - 1}. Push-T: keypoints, DP's 90 training episodes, score = mean of the max reward (coverage / 0.95, clipped). Fork: success = reaching the goal without touching the obstacle. This machine's float32 matmul peak (1024³ through TorchSharp): {matmulPeakGflops:F0} GFLOP/s.\n");
        foreach (var task in o.Tasks)
        {
            var t = summary.Where(s => s.Task == task).ToList();
            if (t.Count == 0) continue;
            md.AppendLine($"## {task}\n");
            md.AppendLine("| policy | params | steps | train min | avg max reward | success | batch-1 chunk p50 / p95 (ms) | eval call p50 (ms) @ envs | out of bounds | change mean / p99 | at chunk boundaries mean / p99 |" + (task == Tasks.Fork ? " fork samples L / M / R |" : ""));
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (task == Tasks.Fork ? "---:|" : ""));
            var best = t.OrderByDescending(s => s.RewardMean).First();
            foreach (var s in t)
            {
                string latency = s.Batch1P50Ms is { } p50 ? string.Create(ci, $"{p50:F1} / {s.Batch1P95Ms:F1}") : "–";
                string fork = s.ForkLeft is { } l ? string.Create(ci, $" {l:P0} / {s.ForkMiddle:P0} / {s.ForkRight:P0} |") : (task == Tasks.Fork ? " – |" : "");
                md.AppendLine(string.Create(ci, $"| {(s == best ? $"**{s.Row}**" : s.Row)} | {s.Parameters:N0} | {s.TrainSteps} | {s.TrainMinutes:F1} | {s.RewardMean:F3} ± {s.RewardStd:F3} | {s.SuccessMean:P0} ± {s.SuccessStd:P0} | {latency} | {s.BatchedP50Ms:F1} @ {s.EnvsPerCall:F0} | {s.OutOfBounds:P1} | {s.MeanChange:F2} / {s.P99Change:F2} | {s.MeanBoundaryChange:F2} / {s.P99BoundaryChange:F2} |{fork}"));
            }
            md.AppendLine($"\nBest on {task}: **{best.Row}** ({best.RewardMean:F3} avg max reward). ![success against latency](pareto-{task}.png) ![reward](bars-{task}.png)\n");
            Draw(t, task, outDir);
        }
        md.AppendLine("## What the measurements say about each paradigm\n");
        md.AppendLine("Each claim of the usual table, checked against this run's numbers; a claim the numbers do not support is marked so.\n");
        md.AppendLine("| paradigm | claim | evidence in this run | verdict |");
        md.AppendLine("|---|---|---|---|");
        foreach (var (paradigm, claim, evidence, verdict) in Claims(summary)) md.AppendLine($"| {paradigm} | {claim} | {evidence} | {verdict} |");
        md.AppendLine("\n## Budget\n");
        md.AppendLine("| arm / task | seconds per step (timed) | steps | measured training minutes per run (mean over seeds) |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var e in plan.Where(e => e.Seed == 0))
        {
            var runs = plan.Where(p => p.Arm == e.Arm && p.Task == e.Task).Select(p => p.RunName).ToHashSet();
            var trained = rows.Where(r => runs.Contains(r.Run)).DistinctBy(r => r.Run).ToList();
            string measured = trained.Count > 0 ? (trained.Average(r => r.TrainSeconds) / 60).ToString("F1", ci) : "–";
            md.AppendLine(string.Create(ci, $"| {e.Arm} / {e.Task} | {(secondsPerStep.TryGetValue($"{e.Arm}/{e.Task}", out var sps) ? sps.ToString("F3", ci) : "–")} | {e.Config.Train.Steps} | {measured} |"));
        }
        md.AppendLine("\n## Efficiency\n");
        md.AppendLine($"GFLOP/s of the matrix products (each policy's FLOP count, `ForwardFlopsPerSample`; a training step = 3 × forward × batch) against this machine's matmul peak of {matmulPeakGflops:F0} GFLOP/s measured in the same run.\n");
        md.AppendLine("| policy / task | network passes per chunk | training GFLOP/s (% of peak) | batch-1 inference GFLOP/s (% of peak) |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var x in summary)
            md.AppendLine(string.Create(ci, $"| {x.Row} / {x.Task} | {x.NetworkPasses} | {(x.TrainGflops is { } g ? $"{g:F1} ({g / matmulPeakGflops:P0})" : "–")} | {(x.Batch1Gflops is { } b ? $"{b:F2} ({b / matmulPeakGflops:P1})" : "–")} |"));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), md.ToString());
        ConfigJson.Save(new { git_revision = EvalReport.CurrentGitRevision(), date = DateTime.UtcNow.ToString("u"), command, options = o, matmul_peak_gflops = matmulPeakGflops,
            seconds_per_step = secondsPerStep, plan = plan.Select(e => new { e.Arm, e.Policy, e.Task, e.Seed, run = e.RunName, steps = e.Config.Train.Steps }), summary, rows }, Path.Combine(outDir, "report.json"));
    }

    /// <summary>The usual table's claims, each with the numbers of this run that bear on it.</summary>
    private static IEnumerable<(string, string, string, string)> Claims(IReadOnlyList<CompareSummary> s)
    {
        CompareSummary? Find(string row, string task) => s.FirstOrDefault(x => x.Row == row && x.Task == task);
        var bcFork = Find("bc", Tasks.Fork);
        if (bcFork is { ForkMiddle: { } m })
            yield return ("BC", "averages modes", $"fork: success {bcFork.SuccessMean:P0}, samples in the middle {m:P0}", m >= 0.5 ? "supported" : "**not supported by this run**");
        var bc = Find("bc", Tasks.PushT);
        var ddimPushT = Find("diffusion DDIM-10", Tasks.PushT);
        if (bc is { Batch1P50Ms: { } bcMs } && ddimPushT is { Batch1P50Ms: { } ddimMs })
            yield return ("BC", "simple and cheap", $"Push-T: {bc.TrainSteps} steps in the budget against diffusion's {ddimPushT.TrainSteps}; batch-1 chunk {bcMs:F1} ms against DDIM-10's {ddimMs:F0} ms; score {bc.RewardMean:F3}",
                bcMs < ddimMs / 4 ? "supported" : "**not supported by this run**");
        var pushT = s.Where(x => x.Task == Tasks.PushT).ToList();
        if (pushT.Count > 0 && pushT.MaxBy(x => x.RewardMean) is { } top)
            yield return ("Diffusion Policy", "expressive: the best score", $"Push-T best row: {top.Row} {top.RewardMean:F3} ± {top.RewardStd:F3}{(top.Policy == "diffusion" ? "" : $"; diffusion's best {pushT.Where(x => x.Policy == "diffusion").Select(x => x.RewardMean).DefaultIfEmpty().Max():F3}")}",
                top.Policy == "diffusion" ? "supported" : $"**not supported at this budget**: {top.Row} learns faster (a longer budget is `bench/results/pusht-protocol/lr1e-3/`)");
        var dpFork = Find("diffusion DDPM-100", Tasks.Fork);
        if (dpFork is { ForkLeft: { } l, ForkRight: { } r })
            yield return ("Diffusion Policy", "keeps both modes", $"fork: samples left {l:P0} / right {r:P0}, success {dpFork.SuccessMean:P0}", l >= 0.2 && r >= 0.2 ? "supported" : "**not supported by this run**");
        var ddpm = Find("diffusion DDPM-100", Tasks.PushT);
        var flow = Find("flow Euler-10", Tasks.PushT);
        var ddim = Find("diffusion DDIM-10", Tasks.PushT);
        if (ddpm is { Batch1P50Ms: { } slow } && flow is { Batch1P50Ms: { } fast })
        {
            yield return ("Diffusion Policy", "slow inference", $"Push-T batch-1 chunk: DDPM-100 {slow:F0} ms, flow Euler-10 {fast:F0} ms{(ddim?.Batch1P50Ms is { } d ? $", DDIM-10 {d:F0} ms" : "")}", slow > 4 * fast ? "supported" : "**not supported by this run**");
            yield return ("Flow matching", "fast at the same quality", $"Push-T: flow {flow.RewardMean:F3} at {fast:F0} ms against DDPM-100 {ddpm.RewardMean:F3} at {slow:F0} ms", fast < slow / 4 && flow.RewardMean >= ddpm.RewardMean - 0.05 ? "supported" : "**not supported by this run**");
        }
        foreach (var guided in new[] { "diffusion + CFG", "flow + CFG" })
        {
            var g = $" asking left (s = {ComparePlan.GuidanceScale})";
            if (Find(guided + g, Tasks.Fork) is { ForkLeft: { } askedLeft } left && Find($"{guided} asking right (s = {ComparePlan.GuidanceScale})", Tasks.Fork) is { ForkRight: { } askedRight } right
                && Find($"{guided}, unconditional (s = 0)", Tasks.Fork) is { ForkLeft: { } uncondLeft, ForkRight: { } uncondRight } uncond)
                yield return ("Classifier-free guidance", "steers which mode", $"fork samples: unconditional left {uncondLeft:P0} / right {uncondRight:P0}; asking left {askedLeft:P0} left, asking right {askedRight:P0} right (success {left.SuccessMean:P0} / {right.SuccessMean:P0} against {uncond.SuccessMean:P0}); {guided.Split(' ')[0]}",
                    askedLeft >= 0.8 && askedRight >= 0.8 ? "supported" : "**not supported by this run**");
        }
        var bins = Find("tokens (bins, greedy)", Tasks.PushT);
        var fastTokens = Find("tokens (FAST, greedy)", Tasks.PushT);
        if (bins is not null && ddpm is not null)
            yield return ("Tokens", "LLM-ready, imprecise", $"Push-T: 256 bins {bins.RewardMean:F3}{(fastTokens is null ? "" : $", FAST {fastTokens.RewardMean:F3}")} against diffusion's {ddpm.RewardMean:F3}; replaying the human demonstrations through 256 bins still scores 0.936, FAST 0.817 (`bench/results/tokens/`)",
                bins.RewardMean < ddpm.RewardMean ? "lower score here; the discretization alone costs little (the replays): the learned token model is what falls short" : "**not supported by this run**");
        var act = Find("act", Tasks.PushT);
        var te = Find("act + temporal ensembling", Tasks.PushT);
        if (act is not null && te is not null)
            yield return ("ACT", "temporal ensembling smooths", $"Push-T change at chunk boundaries p99: {act.P99BoundaryChange:F1} without, {te.P99BoundaryChange:F1} with (mean change {act.MeanChange:F1} / {te.MeanChange:F1})", te.MeanChange < act.MeanChange ? "supported" : "**not supported by this run**");
        var actFork = Find("act", Tasks.Fork);
        if (actFork is { ForkLeft: { } al, ForkMiddle: { } am, ForkRight: { } ar })
            yield return ("ACT", "multimodal (a CVAE)", $"fork samples with z = 0: left {al:P0} / middle {am:P0} / right {ar:P0}, success {actFork.SuccessMean:P0}",
                al >= 0.2 && ar >= 0.2 ? "supported" : "**not supported by this run**: the prior's mean picks one action; chunking, not the latent, gets it round");
        yield return ("ACT", "KL instability", "not measured by compare: the KL sweep (`bench/results/act/`)", "not measured here");
        var dt = Find("decision transformer (R = 1)", Tasks.PushT);
        if (dt is not null && bc is not null)
            yield return ("Decision Transformer", "return conditioning helps", $"Push-T's human demonstrations all end near the top return, so there is little to condition on: DT {dt.RewardMean:F3} against BC's {bc.RewardMean:F3}; on mixed-quality data `bench/results/return-conditioning/`",
                dt.RewardMean > bc.RewardMean ? "supported" : "**not supported by this run**");
        yield return ("Decision Transformer", "return conditioning, no stitching", "not measured by compare: `bench/results/stitching/` (asked for 1.0 it never reaches G; Q-learning does)", "see the stitching report");
    }

    private static readonly MarkerShape[] Shapes = [MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.FilledTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Cross];

    private static void Draw(List<CompareSummary> rows, string task, string outDir)
    {
        var pareto = new Plot();
        var palette = new ScottPlot.Palettes.Category20(); // up to 20 rows without a repeated colour
        int i = 0;
        foreach (var r in rows.Where(r => r.Batch1P50Ms is > 0))
        {
            var m = pareto.Add.Marker(Math.Log10(r.Batch1P50Ms!.Value), r.SuccessMean);
            m.Color = palette.GetColor(i);
            m.Shape = Shapes[i++ % Shapes.Length]; // rows with equal numbers (e.g. ACT with and without ensembling) stay visible
            m.MarkerSize = 12;
            m.LegendText = r.Row;
        }
        pareto.XLabel("batch-1 chunk latency (ms, log10)");
        pareto.YLabel("success rate");
        pareto.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture) };
        pareto.ShowLegend(Edge.Right); // outside the axes: no point hidden behind it
        pareto.Title($"{task}: success against latency");
        AtomicFile.Write(Path.Combine(outDir, $"pareto-{task}.png"), tmp => pareto.SavePng(tmp, 1200, 550));

        var bars = new Plot();
        var list = rows.Select((r, k) => new Bar { Position = k, Value = r.RewardMean, Error = r.RewardStd, FillColor = palette.GetColor(k) }).ToList();
        bars.Add.Bars(list);
        bars.Axes.Bottom.SetTicks(Enumerable.Range(0, rows.Count).Select(k => (double)k).ToArray(), rows.Select(r => r.Row).ToArray());
        bars.Axes.Bottom.TickLabelStyle.Rotation = -30;
        bars.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        bars.Axes.Bottom.MinimumSize = 120;
        bars.YLabel("avg max reward (mean ± std over seeds)");
        bars.Axes.SetLimitsY(0, 1.05);
        bars.Title($"{task}: score per policy");
        AtomicFile.Write(Path.Combine(outDir, $"bars-{task}.png"), tmp => bars.SavePng(tmp, 1000, 600));
    }
}
