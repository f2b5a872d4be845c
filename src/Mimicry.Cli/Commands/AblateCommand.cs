using System.CommandLine;
using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.IO;
using Mimicry.Policies.Diffusion;
using Mimicry.Policies.Flow;
using Mimicry.Training;
using ScottPlot;
using TorchSharp;

namespace Mimicry.Cli.Commands;

/// <summary>
/// <c>mimicry ablate steps RUN... --out DIR</c>: "slow inference", quantified. Every sampler a run's policy
/// can use, at each number of sampling steps, on the same seeds: avg max reward, success, and the latency
/// of one chunk at batch 1 and at the evaluation's batch.
/// </summary>
internal static class AblateCommand
{
    /// <summary>One row of the ablation: a sampler setting for one run.</summary>
    private sealed record Row(string Run, string Policy, string Sampler, string Spacing, int Steps, int NetworkPasses, IReadOnlyList<string> Acting);

    public static Command Create()
    {
        var runs = new Argument<string[]>("run") { Description = "diffusion or flow runs (or checkpoint folders)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "report folder", Required = true };
        var steps = new Option<string>("--steps") { Description = "sampling steps, comma-separated", DefaultValueFactory = _ => "1,2,4,8,16,100" };
        var episodes = new Option<int>("--episodes") { Description = "evaluation episodes per row", DefaultValueFactory = _ => 50 };
        var seedStart = new Option<long>("--seed-start") { Description = "first evaluation seed", DefaultValueFactory = _ => 100000 };
        var calls = new Option<int>("--latency-calls") { Description = "batch-1 chunk predictions timed per row", DefaultValueFactory = _ => 20 };
        var stepsCmd = new Command("steps", "Avg max reward, success and latency against the number of sampling steps, for every sampler of each run (DDPM at its training steps, DDIM leading and trailing, Euler, Heun)")
        { runs, output, steps, episodes, seedStart, calls };
        stepsCmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var counts = r.GetValue(steps)!.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).Distinct().Order().ToArray();
            if (counts.Any(n => n < 1)) throw new ArgumentException("--steps must be positive");
            var rows = r.GetValue(runs)!.SelectMany(run => RowsFor(run, counts)).ToList();
            if (rows.Count == 0) throw new ArgumentException("no diffusion or flow run to ablate");
            var options = new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart));
            var report = EvalCommand.Evaluate(rows.Select(x => (x.Run, Name(x), x.Acting)).ToList(), options, "cpu", gif: false, outDir);
            var batch1 = rows.Select(x =>
            {
                var (_, policy) = Checkpoint.Load(x.Run, acting: x.Acting);
                using (policy) return ChunkLatency.Measure(policy, 1, r.GetValue(calls));
            }).ToList();
            var table = rows.Select((x, i) => new
            {
                run = x.Run, policy = x.Policy, sampler = x.Sampler, spacing = x.Spacing, steps = x.Steps, network_passes = x.NetworkPasses,
                avg_max_reward = report.Policies[i].Result.AvgMaxReward, success_rate = report.Policies[i].Result.SuccessRate,
                batch1_p50_ms = batch1[i].P50Ms, batch1_p95_ms = batch1[i].P95Ms,
                eval_batch_p50_ms = report.Policies[i].Result.LatencyP50Ms, eval_batch_p95_ms = report.Policies[i].Result.LatencyP95Ms,
                eval_envs_per_call = report.Policies[i].Result.MeanBatchPerCall,
            }).ToList();
            ConfigJson.Save(new { git_revision = Provenance.Current().GitRevision, date = DateTime.UtcNow.ToString("u"), command = Cli.CommandLine, episodes = options.Episodes, first_seed = options.FirstSeed, rows = table },
                Path.Combine(outDir, "steps.json"));
            var md = new StringBuilder();
            md.AppendLine("# Sampling steps against quality and latency\n");
            md.AppendLine($"`{Cli.CommandLine}` at {Provenance.Current().GitRevision}; {options.Episodes} episodes from seed {options.FirstSeed} per row; batch-1 latency over {r.GetValue(calls)} warm calls of one chunk, outside the rollout.");
            md.AppendLine("DDIM with leading spacing never visits the noisiest training step when it takes few steps (1 step: it denoises pure noise as if it were step 0); trailing spacing starts at the noisiest.\n");
            md.AppendLine("| run | sampler | spacing | steps | network passes | avg max reward | success | batch 1 p50 / p95 (ms) | eval batch p50 / p95 (ms) | envs per call |");
            md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var t in table)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {Path.GetFileName(Path.GetFullPath(t.run).TrimEnd('/'))} | {t.sampler} | {t.spacing} | {t.steps} | {t.network_passes} | **{t.avg_max_reward:F3}** | {t.success_rate:P0} | {t.batch1_p50_ms:F1} / {t.batch1_p95_ms:F1} | {t.eval_batch_p50_ms:F1} / {t.eval_batch_p95_ms:F1} | {t.eval_envs_per_call:F1} |"));
            foreach (var best in table.Where(t => t.steps <= 4).OrderByDescending(t => t.avg_max_reward).Take(1))
                md.AppendLine($"\nBest at ≤ 4 steps: {best.sampler} ({best.spacing}) with {best.steps} steps, {best.avg_max_reward:F3} avg max reward, {best.success_rate:P0} success.");
            md.AppendLine("\n![success against latency](steps_latency.png)\n\n![reward against steps](steps_reward.png)\n\nPer-row evaluation: `report.md`.");
            AtomicFile.WriteAllText(Path.Combine(outDir, "steps.md"), md.ToString());
            Plot(rows, table.Select(t => (t.batch1_p50_ms, t.success_rate, t.avg_max_reward)).ToList(), outDir);
            Console.WriteLine($"wrote {outDir}/steps.md, steps.json, steps_latency.png, steps_reward.png, report.md");
            return 0;
        }));
        var cmd = new Command("ablate", "Ablations over acting settings of trained runs") { stepsCmd, AblateSettingCommand.Create() };
        return cmd;
    }

    private static string Name(Row x) =>
        $"{Path.GetFileName(Path.GetFullPath(x.Run).TrimEnd('/'))}:{x.Sampler}{(x.Spacing == "trailing" ? "-trailing" : "")}@{x.Steps}";

    /// <summary>The rows a run's policy allows: diffusion gets DDPM at its training steps and DDIM at every count
    /// (leading and trailing); flow gets Euler and Heun at every count.</summary>
    private static IEnumerable<Row> RowsFor(string run, int[] counts)
    {
        var config = ConfigJson.Load<RunConfig>(Path.Combine(Checkpoint.ResolveDir(run), Checkpoint.ConfigFile));
        switch (config.Policy)
        {
            case DiffusionConfig d:
                yield return new Row(run, "diffusion", "ddpm", "leading", d.NumTrainTimesteps, d.NumTrainTimesteps,
                    ["policy.sampler=ddpm", $"policy.num_inference_steps={d.NumTrainTimesteps}", "policy.timestep_spacing=leading"]);
                foreach (var spacing in new[] { "leading", "trailing" })
                    foreach (int n in counts.Where(n => n <= d.NumTrainTimesteps))
                        yield return new Row(run, "diffusion", "ddim", spacing, n, n, ["policy.sampler=ddim", $"policy.num_inference_steps={n}", $"policy.timestep_spacing={spacing}"]);
                break;
            case FlowConfig:
                foreach (var solver in new[] { "euler", "heun" })
                    foreach (int n in counts)
                        yield return new Row(run, "flow", solver, "-", n, solver == "euler" ? n : 2 * n - 1, [$"policy.sampler={solver}", $"policy.num_inference_steps={n}"]);
                break;
            default:
                throw new ArgumentException($"{run}: a {config.Policy.Name} policy has no sampling steps to ablate (diffusion or flow)");
        }
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
        AtomicFile.Write(Path.Combine(outDir, "steps_latency.png"), tmp => latency.SavePng(tmp, 900, 550));
        AtomicFile.Write(Path.Combine(outDir, "steps_reward.png"), tmp => reward.SavePng(tmp, 900, 550));
    }
}
