using System.CommandLine;
using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Evaluation;
using Mimicry.IO;
using Mimicry.Policies;
using Mimicry.Training;

namespace Mimicry.Cli.Commands;

/// <summary>
/// <c>mimicry sweep POLICY --out DIR [--dataset D] [--steps N] [--episodes E] [--set ...]</c>: the fair-baseline
/// rule. Every setting of the policy's registered sweep is trained on the same data, for the same steps and
/// seed, and evaluated on the same seeds; all rows are reported, the best is named, and the loss curves are
/// drawn together. A finished row is reused, so a killed sweep continues where it stopped.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var cmd = new Command("sweep", "Train and evaluate a policy's registered sweep of settings under one budget; every row reported, the best named");
        foreach (var entry in PolicyRegistry.All.Where(e => e.Sweep.Count > 0)) cmd.Add(ForPolicy(entry));
        return cmd;
    }

    private static Command ForPolicy(PolicyEntry entry)
    {
        var dataset = new Option<string?>("--dataset") { Description = "dataset (default: the bundled Push-T demonstrations)" };
        var output = new Option<string>("--out") { Description = "sweep folder: one run per row, report.md, sweep.md, loss_curves.png", Required = true };
        var steps = new Option<int?>("--steps") { Description = "training steps of every row (the shared budget)" };
        var episodes = new Option<int>("--episodes") { Description = "evaluation episodes (the same seeds for every row)", DefaultValueFactory = _ => 50 };
        var seedStart = new Option<long>("--seed-start") { Description = "first evaluation seed", DefaultValueFactory = _ => 100000 };
        var set = new Option<string[]>("--set") { Description = "a setting shared by every row, e.g. train.threads=1" };
        var preset = new Option<string?>("--preset") { Description = "start every row from this preset" };
        var cmd = new Command(entry.Name, $"the {entry.Name} sweep: {string.Join(", ", entry.Sweep.Select(s => s.Name))}") { dataset, output, steps, episodes, seedStart, set, preset };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string dir = r.GetValue(output)!;
            var baseConfig = r.GetValue(preset) is { } p ? Presets.Get(p).Config : new RunConfig { Policy = entry.Defaults(), Train = entry.TrainDefaults() };
            if (baseConfig.Policy.Name != entry.Name) throw new ArgumentException($"--preset {r.GetValue(preset)} is a {baseConfig.Policy.Name} preset, not {entry.Name}");
            baseConfig = baseConfig with { Dataset = r.GetValue(dataset) ?? Cli.ResolveData(null) };
            if (r.GetValue(steps) is { } s) baseConfig = baseConfig with { Train = baseConfig.Train with { Steps = s } };
            var shared = r.GetValue(set) ?? [];
            var options = new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart));
            options.Validate();
            // Every row's config first: a bad setting fails before hours of training.
            var rows = entry.Sweep.Select(row => (row.Name, Config: ConfigJson.WithOverrides(baseConfig, [.. shared, .. row.Overrides]), row.Overrides)).ToList();
            foreach (var row in rows) row.Config.Validate();
            Directory.CreateDirectory(dir);
            for (int i = 0; i < rows.Count; i++)
            {
                var (name, config, _) = rows[i];
                string run = Path.Combine(dir, name);
                var done = Trainer.SavedProgress(Path.Combine(run, "checkpoint"));
                Console.WriteLine($"== {i + 1}/{rows.Count} {name}");
                if (done?.Step == config.Train.Steps) { Console.WriteLine($"finished earlier ({done.Value.Step} steps): reused"); continue; }
                int code = TrainCommand.Train(config, run, resume: done != null, overwrite: done == null); // a row killed before its first checkpoint starts over
                if (code != 0) return code;
            }
            var report = EvalCommand.Evaluate(rows.Select(row => (Path.Combine(dir, row.Name), row.Name)).ToList(), options, [], "cpu", gif: false, dir);
            WriteSweep(dir, entry.Name, rows.Select(row => (row.Name, row.Overrides)).ToList(), report);
            Console.WriteLine($"wrote {Path.Combine(dir, "sweep.md")}, report.md, loss_curves.png");
            return 0;
        }));
        return cmd;
    }

    /// <summary>sweep.md (every row, best first, the best named) and loss_curves.png (every row's training loss).</summary>
    private static void WriteSweep(string dir, string policy, IReadOnlyList<(string Name, string[] Overrides)> rows, EvalReport report)
    {
        var ci = CultureInfo.InvariantCulture;
        var ranked = report.Policies.OrderByDescending(p => p.Result.AvgMaxReward).ThenByDescending(p => p.Result.SuccessRate).ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"# Sweep: {policy} ({report.Task})");
        sb.AppendLine();
        var best = ranked[0];
        sb.AppendLine(string.Create(ci, $"Best: **{best.Name}** ({string.Join(" ", rows.First(r => r.Name == best.Name).Overrides)}): avg max reward {best.Result.AvgMaxReward:F3}, success {best.Result.SuccessRate:P0}."));
        sb.AppendLine();
        sb.AppendLine($"Every row: the same dataset, {best.TrainSteps} training steps, training seed and evaluation seeds ({best.Result.FirstSeed}-{best.Result.FirstSeed + best.Result.Episodes - 1}).");
        sb.AppendLine();
        sb.AppendLine("| rank | row | settings | params | train time | final loss | avg max reward | success |");
        sb.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|");
        for (int i = 0; i < ranked.Count; i++)
        {
            var p = ranked[i];
            var metrics = TrainingCurve.ReadMetrics(Path.Combine(dir, p.Name, "metrics.jsonl"));
            sb.AppendLine(string.Create(ci, $"| {i + 1} | {p.Name} | `{string.Join(" ", rows.First(r => r.Name == p.Name).Overrides)}` | {p.Parameters:N0} | {TimeSpan.FromSeconds(p.TrainSeconds ?? 0):h\\:mm\\:ss} | {metrics.LastOrDefault()?.Loss:F4} | {p.Result.AvgMaxReward:F3} | {p.Result.SuccessRate:P0} |"));
        }
        AtomicFile.WriteAllText(Path.Combine(dir, "sweep.md"), sb.ToString());

        var plt = new ScottPlot.Plot();
        foreach (var (name, _) in rows)
        {
            var m = TrainingCurve.ReadMetrics(Path.Combine(dir, name, "metrics.jsonl"));
            if (m.Count == 0) continue;
            var line = plt.Add.Scatter(m.Select(x => (double)x.Step).ToArray(), m.Select(x => Math.Log10(Math.Max(x.Loss, 1e-12))).ToArray());
            line.LegendText = name;
            line.MarkerSize = 0;
        }
        plt.Title($"{policy} sweep: training loss");
        plt.XLabel("step");
        plt.YLabel("log10 loss");
        plt.ShowLegend();
        AtomicFile.Write(Path.Combine(dir, "loss_curves.png"), tmp => plt.SavePng(tmp, 900, 500));
    }
}
