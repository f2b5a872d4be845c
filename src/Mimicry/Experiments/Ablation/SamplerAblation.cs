using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Runtime;
using Mimicry.Training;
using ScottPlot;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Experiments.Ablation;

/// <summary>
/// <c>mimicry ablate steps</c>: "slow inference", quantified. Every sampler a run's policy can use (its entry's
/// <see cref="PolicyEntry.SamplerGrid"/>), at each number of sampling steps, on the same seeds: avg max reward, success, and
/// the latency of one chunk at batch 1 and at the evaluation's batch.
/// </summary>
public static class SamplerAblation
{
    /// <summary>One row of the ablation: a sampler setting for one run.</summary>
    private sealed record Row(string Run, string Policy, string Sampler, string Spacing, int Steps, int NetworkPasses, IReadOnlyList<string> Acting);

    public static void Run(IReadOnlyList<string> runs, int[] counts, EvalOptions options, int latencyCalls, string outDir, Action<string>? log = null, IProgressDisplay? progress = null)
    {
        if (counts.Any(n => n < 1)) throw new ArgumentException("--steps must be positive");
        if (latencyCalls < 1) throw new ArgumentException($"--latency-calls must be >= 1, got {latencyCalls}");
        IO.AtomicFile.EnsureWritableFolder(outDir);
        var rows = runs.SelectMany(run => RowsFor(run, counts)).ToList();
        if (rows.Count == 0) throw new ArgumentException("no run with samplers to ablate");
        var report = RunEvaluation.Evaluate(rows.Select(x => new EvalTarget(x.Run, Name(x), x.Acting)).ToList(), options, "cpu", gif: false, outDir, log, progress);
        var batch1 = rows.Select(x =>
        {
            var (_, policy) = Checkpoint.Load(x.Run, acting: x.Acting);
            using (policy) return ChunkLatency.Measure(policy, 1, latencyCalls);
        }).ToList();
        var table = rows.Select((x, i) => new
        {
            run = x.Run, policy = x.Policy, sampler = x.Sampler, spacing = x.Spacing, steps = x.Steps, network_passes = x.NetworkPasses,
            avg_max_reward = report.Policies[i].Result.AvgMaxReward, success_rate = report.Policies[i].Result.SuccessRate,
            batch1_p50_ms = batch1[i].P50Ms, batch1_p95_ms = batch1[i].P95Ms,
            eval_batch_p50_ms = report.Policies[i].Result.LatencyP50Ms, eval_batch_p95_ms = report.Policies[i].Result.LatencyP95Ms,
            eval_envs_per_call = report.Policies[i].Result.MeanBatchPerCall,
        }).ToList();
        var md = new StringBuilder();
        md.AppendLine("# Sampling steps against quality and latency\n");
        md.AppendLine($"{ReportWriter.Header()} {options.Episodes} episodes from seed {options.FirstSeed} per row; batch-1 latency over {latencyCalls} warm calls of one chunk, outside the rollout.");
        md.AppendLine("DDIM with leading spacing never visits the noisiest training step when it takes few steps (1 step: it denoises pure noise as if it were step 0); trailing spacing starts at the noisiest.\n");
        md.AppendLine("| run | sampler | spacing | steps | network passes | avg max reward | success | batch 1 p50 / p95 (ms) | eval batch p50 / p95 (ms) | envs per call |");
        md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var t in table)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {Path.GetFileName(Path.GetFullPath(t.run).TrimEnd('/'))} | {t.sampler} | {t.spacing} | {t.steps} | {t.network_passes} | **{t.avg_max_reward:F3}** | {t.success_rate:P0} | {t.batch1_p50_ms:F1} / {t.batch1_p95_ms:F1} | {t.eval_batch_p50_ms:F1} / {t.eval_batch_p95_ms:F1} | {t.eval_envs_per_call:F1} |"));
        foreach (var best in table.Where(t => t.steps <= 4).OrderByDescending(t => t.avg_max_reward).Take(1))
            md.AppendLine($"\nBest at ≤ 4 steps: {best.sampler} ({best.spacing}) with {best.steps} steps, {best.avg_max_reward:F3} avg max reward, {best.success_rate:P0} success.");
        md.AppendLine("\n![success against latency](steps_latency.png)\n\n![reward against steps](steps_reward.png)\n\nPer-row evaluation: `report.md`.");
        ReportWriter.Write(outDir, md.ToString(), new { episodes = options.Episodes, first_seed = options.FirstSeed, rows = table }, "steps");
        Plot(rows, table.Select(t => (t.batch1_p50_ms, t.success_rate, t.avg_max_reward)).ToList(), outDir);
    }

    private static string Name(Row x) =>
        $"{Path.GetFileName(Path.GetFullPath(x.Run).TrimEnd('/'))}:{x.Sampler}{(x.Spacing == "trailing" ? "-trailing" : "")}@{x.Steps}";

    /// <summary>The rows a run's policy allows: its entry's sampler grid at these step counts.</summary>
    private static IEnumerable<Row> RowsFor(string run, int[] counts)
    {
        var config = ConfigJson.Load<RunConfig>(Path.Combine(Checkpoint.ResolveDir(run), Checkpoint.ConfigFile));
        var entry = PolicyRegistry.Of(config.Policy.GetType());
        if (entry.SamplerGrid == null)
            throw new ArgumentException($"{run}: a {entry.Name} policy has no sampling steps to ablate ({string.Join(" or ", PolicyRegistry.All.Where(e => e.SamplerGrid != null).Select(e => e.Name))})");
        return entry.SamplerGrid(config.Policy, counts).Select(s => new Row(run, entry.Name, s.Sampler, s.Spacing, s.Steps, s.NetworkPasses, s.Acting));
    }

    private static void Plot(List<Row> rows, List<(double Latency, double Success, double Reward)> values, string outDir)
    {
        var latency = new ScottPlot.Plot();
        var reward = new ScottPlot.Plot();
        foreach (var group in rows.Select((x, i) => (x, i)).GroupBy(p => $"{Path.GetFileName(Path.GetFullPath(p.x.Run).TrimEnd('/'))} {p.x.Sampler}{(p.x.Spacing == "trailing" ? " trailing" : "")}"))
        {
            var pts = group.OrderBy(p => p.x.Steps).ToList();
            var a = latency.Add.Scatter(pts.Select(p => Math.Log10(values[p.i].Latency)).ToArray(), pts.Select(p => values[p.i].Success).ToArray());
            a.LegendText = group.Key;
            var b = reward.Add.Scatter(pts.Select(p => Math.Log2(p.x.Steps)).ToArray(), pts.Select(p => values[p.i].Reward).ToArray());
            b.LegendText = group.Key;
        }
        latency.XLabel("latency of one chunk at batch 1 (ms, log10)");
        latency.YLabel("success rate");
        latency.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture) };
        latency.ShowLegend(Alignment.LowerRight);
        reward.XLabel("sampling steps (log2)");
        reward.YLabel("avg max reward");
        reward.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(2, v).ToString("G3", CultureInfo.InvariantCulture) };
        reward.ShowLegend(Alignment.LowerRight);
        ReportWriter.Png(Path.Combine(outDir, "steps_latency.png"), latency, 900, 550);
        ReportWriter.Png(Path.Combine(outDir, "steps_reward.png"), reward, 900, 550);
    }
}
