using Mimicry.Evaluation;
using Mimicry.Experiments.Tokenization;
using Mimicry.Policies;
using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.IO;
using ScottPlot;

namespace Mimicry.Experiments.Compare;

/// <summary>A mean and sample standard deviation over training seeds.</summary>
public sealed record MeanStd(double Mean, double Std)
{
    public static MeanStd Of(IEnumerable<double> values) { var v = values.ToList(); return new(v.Average(), PaperStyle.Std(v)); }
}

/// <summary>How smooth and how bounded the executed actions were (means over seeds of <see cref="ActionStats"/>).</summary>
public sealed record ActionSmoothness(double OutOfBounds, double MeanChange, double P99Change, double MeanBoundaryChange, double P99BoundaryChange);

/// <summary>What a row cost, averaged over its seeds.</summary>
/// <param name="BatchedP50Ms">Median latency of one evaluation call, batched over <paramref name="EnvsPerCall"/> live environments.</param>
public sealed record SummaryCost(long Parameters, int TrainSteps, double TrainMinutes, int NetworkPasses, ChunkLatencyMs? Batch1, double BatchedP50Ms, double EnvsPerCall,
    double? TrainGflops, double? Batch1Gflops);

/// <summary>One row of the comparison table: a policy variant on a task on one budget axis, over its training seeds. With the last K
/// checkpoints of each run evaluated, <paramref name="Reward"/> and <paramref name="Success"/> are each seed's average over them
/// and <paramref name="RewardMax"/> each seed's best (the paper's "avg" and "max"); with K = 1 both are the final checkpoint's.</summary>
public sealed record CompareSummary(string Id, string Row, string Policy, string Task, int Seeds, MeanStd Reward, MeanStd Success, SummaryCost Cost,
    ActionSmoothness Actions, ForkSamples? Fork, string Axis = BudgetAxis.Minutes, MeanStd? RewardMax = null, int Checkpoints = 1)
{
    public ClaimRow ForClaims => new(Id, Row, Policy, Task, Reward.Mean, Reward.Std, Success.Mean, Cost.TrainSteps, Cost.NetworkPasses, Cost.Batch1?.P50,
        Actions.MeanChange, Actions.P99BoundaryChange, Fork?.Left, Fork?.Middle, Fork?.Right);
}

/// <summary>report.md, report.json and the plots of a comparison.</summary>
public static class CompareReport
{
    public static IReadOnlyList<CompareSummary> Summarize(IReadOnlyList<CompareRow> rows) =>
        rows.GroupBy(r => (r.Axis, r.Id, r.Task)).Select(g =>
        {
            var l = g.ToList();
            // Per training seed: the average and the best over its evaluated checkpoints; then mean ± std over seeds.
            var seeds = l.GroupBy(r => r.Seed).Select(s => (Avg: s.Average(r => r.Eval.AvgMaxReward), Max: s.Max(r => r.Eval.AvgMaxReward),
                Success: s.Average(r => r.Eval.SuccessRate), Checkpoints: s.Count())).ToList();
            double Mean(Func<CompareRow, double> f) => l.Average(f);
            double? MeanOpt(Func<CompareRow, double?> f) => l.All(r => f(r) is not null) ? l.Average(r => f(r)!.Value) : null;
            var batch1 = MeanOpt(r => r.Cost.Batch1?.P50) is { } p50 ? new ChunkLatencyMs(p50, MeanOpt(r => r.Cost.Batch1?.P95)!.Value) : null;
            var fork = MeanOpt(r => r.Fork?.Left) is { } left
                ? new ForkSamples(left, MeanOpt(r => r.Fork?.Middle)!.Value, MeanOpt(r => r.Fork?.Right)!.Value, MeanOpt(r => r.Fork?.MeanX)!.Value, l[0].Fork!.StepIndex) : null;
            return new CompareSummary(g.Key.Id, l[0].Row, l[0].Policy, g.Key.Task, seeds.Count, MeanStd.Of(seeds.Select(x => x.Avg)), MeanStd.Of(seeds.Select(x => x.Success)),
                new SummaryCost(l[0].Cost.Parameters, l[0].Cost.TrainSteps, Mean(r => r.Cost.TrainSeconds) / 60, l[0].Cost.NetworkPasses, batch1,
                    Mean(r => r.Eval.LatencyP50Ms), Mean(r => r.Eval.MeanBatchPerCall), MeanOpt(r => r.Cost.TrainGflops), MeanOpt(r => r.Cost.Batch1Gflops)),
                new ActionSmoothness(Mean(r => r.Eval.Actions?.OutOfBoundsFraction ?? 0), Mean(r => r.Eval.Actions?.MeanChange ?? 0), Mean(r => r.Eval.Actions?.P99Change ?? 0),
                    Mean(r => r.Eval.Actions?.MeanBoundaryChange ?? 0), Mean(r => r.Eval.Actions?.P99BoundaryChange ?? 0)),
                fork, g.Key.Axis, MeanStd.Of(seeds.Select(x => x.Max)), seeds.Min(x => x.Checkpoints));
        }).ToList();

    /// <param name="replay">The demonstrations replayed open loop through tokenizers (<see cref="QuantizedReplay.ForComparison"/>): what
    /// discretization alone costs, quoted beside the learned token rows; null when Push-T was not compared.</param>
    public static void Write(string outDir, CompareOptions o, IReadOnlyList<CompareEntry> plan, IReadOnlyList<CompareRow> rows, IReadOnlyDictionary<string, double> secondsPerStep,
        double matmulPeakGflops, IReadOnlyList<QuantizedReplayRow>? replay = null)
    {
        var summary = Summarize(rows);
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Every paradigm, one protocol: the comparison, measured\n");
        string samplesText = o.Samples is { } samples ? $"**equal samples**: {samples:N0} training windows per (policy, seed) on Push-T and {o.ForkSamples ?? samples:N0} on the fork (steps = windows / the row's batch; the minutes each took are the `train min` column)" : "";
        string minutesText = $"**equal minutes**: {o.BudgetMinutes:G3} training minutes per (policy, seed) on Push-T and {o.ForkBudgetMinutes:G3} on the fork, on this machine: each run times its own first steps and fits its length to the budget (`train.minutes`: steps, warm-up and checkpoint spacing scaled by one factor); a probe of {CompareRunner.ProbeSteps} steps of each configuration after {CompareRunner.ProbeWarmupSteps} untimed ones sets only the plan's first guess (`step_times.json`); measured minutes per run are the `train min` column and the budget table's last column";
        md.AppendLine($"{ReportWriter.Header()} {(o.Quick ? $"**Quick run** ({o.QuickSteps} steps, tiny models): a smoke test of the pipeline, not a result." : "Budget: " + string.Join("; and, in their own tables, ", o.Axes.Select(a => a == BudgetAxis.Samples ? samplesText : minutesText)) + ".")}");
        string selection = o.LastCheckpoints == 1 ? "every row scored at its run's final checkpoint"
            : $"every row scored at the last {o.LastCheckpoints} checkpoints of each run (spaced over its final tenth): **max** is each seed's best of them, **avg** their average, as the Diffusion Policy paper's Table I (mean ± std over seeds)";
        md.AppendLine($"{o.Seeds} training seed(s) per policy; {selection}; every row evaluated on the same {o.Episodes} episodes, seeds {o.SeedStart}-{o.SeedStart + o.Episodes - 1}. Push-T: keypoints, DP's 90 training episodes, score = mean of the max reward (coverage / 0.95, clipped). Fork: success = reaching the goal without touching the obstacle. This machine's float32 matmul peak (1024³ through TorchSharp): {matmulPeakGflops:F0} GFLOP/s.\n");
        bool several = o.Axes.Count > 1;
        string rewardHeader = o.LastCheckpoints == 1 ? "avg max reward" : "avg max reward: max / avg";
        foreach (var task in o.Tasks)
            foreach (var axis in o.Axes)
            {
                var t = summary.Where(s => s.Task == task && s.Axis == axis).ToList();
                if (t.Count == 0) continue;
                string suffix = several ? $"-{(axis == BudgetAxis.Samples ? "samples" : "minutes")}" : "";
                md.AppendLine(several ? $"## {task}, {axis}\n" : $"## {task}\n");
                md.AppendLine($"| policy | params | steps | train min | {rewardHeader} | success | batch-1 chunk p50 / p95 (ms) | eval call p50 (ms) @ envs | out of bounds | change mean / p99 | at chunk boundaries mean / p99 |" + (task == Tasks.Fork ? " fork samples L / M / R |" : ""));
                md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (task == Tasks.Fork ? "---:|" : ""));
                var best = t.OrderByDescending(s => s.Reward.Mean).First();
                foreach (var s in t)
                {
                    string latency = s.Cost.Batch1 is { } b1 ? string.Create(ci, $"{b1.P50:F1} / {b1.P95:F1}") : "–";
                    string fork = s.Fork is { } f ? string.Create(ci, $" {f.Left:P0} / {f.Middle:P0} / {f.Right:P0} |") : (task == Tasks.Fork ? " – |" : "");
                    string reward = o.LastCheckpoints == 1 || s.RewardMax is not { } max ? string.Create(ci, $"{s.Reward.Mean:F3} ± {s.Reward.Std:F3}")
                        : string.Create(ci, $"{max.Mean:F3} ± {max.Std:F3} / {s.Reward.Mean:F3} ± {s.Reward.Std:F3}");
                    md.AppendLine(string.Create(ci, $"| {(s == best ? $"**{s.Row}**" : s.Row)} | {s.Cost.Parameters:N0} | {s.Cost.TrainSteps} | {s.Cost.TrainMinutes:F1} | {reward} | {s.Success.Mean:P0} ± {s.Success.Std:P0} | {latency} | {s.Cost.BatchedP50Ms:F1} @ {s.Cost.EnvsPerCall:F0} | {s.Actions.OutOfBounds:P1} | {s.Actions.MeanChange:F2} / {s.Actions.P99Change:F2} | {s.Actions.MeanBoundaryChange:F2} / {s.Actions.P99BoundaryChange:F2} |{fork}"));
                }
                md.AppendLine($"\nBest on {task}{(several ? $" at {axis}" : "")}: **{best.Row}** ({best.Reward.Mean:F3} avg max reward{(o.LastCheckpoints > 1 ? ", the average over checkpoints" : "")}). ![success against latency](pareto-{task}{suffix}.png) ![reward](bars-{task}{suffix}.png)\n");
                Draw(t, task + suffix, outDir);
            }
        md.AppendLine("## What the measurements say about each paradigm\n");
        md.AppendLine("Each claim of the usual table, checked against this run's numbers; a claim the numbers do not support is marked so.\n");
        md.AppendLine(several ? "| budget | paradigm | claim | evidence in this run | verdict |" : "| paradigm | claim | evidence in this run | verdict |");
        md.AppendLine(several ? "|---|---|---|---|---|" : "|---|---|---|---|");
        foreach (var axis in o.Axes)
            foreach (var (paradigm, claim, evidence, verdict) in Claims(summary.Where(x => x.Axis == axis).ToList(), replay))
                md.AppendLine(several ? $"| {axis} | {paradigm} | {claim} | {evidence} | {verdict} |" : $"| {paradigm} | {claim} | {evidence} | {verdict} |");
        if (replay is { Count: > 0 })
        {
            md.AppendLine("\n## What discretization alone costs\n");
            md.AppendLine("Every Push-T demonstration replayed open loop from its reset seed with its recorded actions tokenized and decoded in chunks (`mimicry tokenize replay` has the full sweep): no learning involved, so the drop from the recorded row is the rounding's own cost (an upper bound: a closed-loop policy corrects what a replay carries forward).\n");
            md.AppendLine("| tokenizer | tokens per chunk | action RMSE (px) | avg max reward | drop against the recorded actions |");
            md.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var x in replay)
                md.AppendLine(string.Create(ci, $"| {x.Tokenizer} | {(x.TokensPerChunk is { } n ? n.ToString("F1", ci) : "–")} | {x.ActionRmse:F2} | {x.AvgMaxReward:F3} | {replay[0].AvgMaxReward - x.AvgMaxReward:F3} |"));
        }
        md.AppendLine("\n## Budget\n");
        md.AppendLine("On the minutes axis every run fits its length to its own step rate (`train.minutes`: timed over its first steps, then steps, " +
            "warm-up and checkpoint spacing scaled by one factor); the probe's rate only sets the plan's first guess.\n");
        md.AppendLine("| budget | arm / task | seconds per step (probe) | planned steps | trained steps (mean over seeds) | measured training minutes per run (mean over seeds) |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var e in plan.Where(e => e.Seed == 0))
        {
            var runs = plan.Where(p => p.Arm == e.Arm && p.Task == e.Task && p.Axis == e.Axis).Select(p => p.RunName).ToHashSet();
            var trained = rows.Where(r => runs.Contains(r.Run)).DistinctBy(r => r.Run).ToList();
            string measured = trained.Count > 0 ? (trained.Average(r => r.Cost.TrainSeconds) / 60).ToString("F1", ci) : "–";
            string steps = trained.Count > 0 ? trained.Average(r => r.Cost.TrainSteps).ToString("F0", ci) : "–";
            md.AppendLine(string.Create(ci, $"| {e.Axis} | {e.Arm} / {e.Task} | {(secondsPerStep.TryGetValue($"{e.Arm}/{e.Task}", out var sps) ? sps.ToString("F3", ci) : "–")} | {e.Config.Train.Steps} | {steps} | {measured} |"));
        }
        md.AppendLine("\n## Efficiency\n");
        md.AppendLine($"GFLOP/s of the matrix products (each policy's FLOP count, `ForwardFlopsPerSample`; a training step = 3 × forward × batch) against this machine's matmul peak of {matmulPeakGflops:F0} GFLOP/s measured in the same run.\n");
        md.AppendLine("| policy / task | network passes per chunk | training GFLOP/s (% of peak) | batch-1 inference GFLOP/s (% of peak) |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var x in summary.Where(x => x.Axis == o.Axes[0]))
            md.AppendLine(string.Create(ci, $"| {x.Row} / {x.Task} | {x.Cost.NetworkPasses} | {(x.Cost.TrainGflops is { } g ? $"{g:F1} ({g / matmulPeakGflops:P0})" : "–")} | {(x.Cost.Batch1Gflops is { } b ? $"{b:F2} ({b / matmulPeakGflops:P1})" : "–")} |"));
        ReportWriter.Write(outDir, md.ToString(), new { options = o, matmul_peak_gflops = matmulPeakGflops, seconds_per_step = secondsPerStep, replay,
            plan = plan.Select(e => new { e.Arm, e.Policy, e.Task, e.Seed, e.Axis, run = e.RunName, steps = e.Config.Train.Steps }), summary, rows });
    }

    /// <summary>
    /// The usual table's claims, each checked against this run's numbers: every registered policy's own
    /// (<see cref="PolicyEntry.Claims"/>, keyed on the variant ids it declares), then guidance's, for each guided arm.
    /// </summary>
    private static IEnumerable<(string, string, string, string)> Claims(IReadOnlyList<CompareSummary> s, IReadOnlyList<QuantizedReplayRow>? replay)
    {
        var facts = (replay ?? []).ToDictionary(r => QuantizedReplay.FactName(r.Tokenizer), r => r.AvgMaxReward);
        var context = new ClaimContext(s.Select(x => x.ForClaims).ToList(), PolicyRegistry.All, facts);
        foreach (var entry in PolicyRegistry.All)
            foreach (var claim in entry.Claims)
                if (claim.Check(context) is var (evidence, verdict))
                    yield return (claim.Paradigm, claim.Claim, evidence, verdict);
        foreach (var entry in PolicyRegistry.All.Where(e => e.Guidance != null))
        {
            var ids = ComparePlan.GuidedIds(entry);
            if (context.Find(ids.Left, Tasks.Fork) is { ForkLeft: { } askedLeft } left && context.Find(ids.Right, Tasks.Fork) is { ForkRight: { } askedRight } right
                && context.Find(ids.Unconditional, Tasks.Fork) is { ForkLeft: { } uncondLeft, ForkRight: { } uncondRight } uncond)
                yield return ("Classifier-free guidance", "steers which mode", $"fork samples: unconditional left {uncondLeft:P0} / right {uncondRight:P0}; asking left {askedLeft:P0} left, asking right {askedRight:P0} right (success {left.SuccessMean:P0} / {right.SuccessMean:P0} against {uncond.SuccessMean:P0}); {entry.Name}",
                    askedLeft >= 0.8 && askedRight >= 0.8 ? PolicyClaim.Supported : PolicyClaim.NotSupported);
        }
    }

    private static readonly MarkerShape[] Shapes = [MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.FilledTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Cross];

    private static void Draw(List<CompareSummary> rows, string task, string outDir)
    {
        var pareto = new Plot();
        var palette = new ScottPlot.Palettes.Category20(); // up to 20 rows without a repeated colour
        int i = 0;
        foreach (var r in rows.Where(r => r.Cost.Batch1?.P50 is > 0))
        {
            var m = pareto.Add.Marker(Math.Log10(r.Cost.Batch1!.P50), r.Success.Mean);
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
        ReportWriter.Png(Path.Combine(outDir, $"pareto-{task}.png"), pareto, 1200, 550);

        var bars = new Plot();
        var list = rows.Select((r, k) => new Bar { Position = k, Value = r.Reward.Mean, Error = r.Reward.Std, FillColor = palette.GetColor(k) }).ToList();
        bars.Add.Bars(list);
        bars.Axes.Bottom.SetTicks(Enumerable.Range(0, rows.Count).Select(k => (double)k).ToArray(), rows.Select(r => r.Row).ToArray());
        bars.Axes.Bottom.TickLabelStyle.Rotation = -30;
        bars.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        bars.Axes.Bottom.MinimumSize = 120;
        bars.YLabel("avg max reward (mean ± std over seeds)");
        bars.Axes.SetLimitsY(0, 1.05);
        bars.Title($"{task}: score per policy");
        ReportWriter.Png(Path.Combine(outDir, $"bars-{task}.png"), bars, 1000, 600);
    }
}
