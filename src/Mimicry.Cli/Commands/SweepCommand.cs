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
/// <c>mimicry sweep POLICY --out DIR [--dataset D] [--steps N] [--episodes E] [--set ...] [--vary KEY=V1,V2,...]</c>: the
/// fair-baseline rule. Every setting of the policy's registered sweep (or of the <c>--vary</c> grid) is trained on the same data, for the same steps and
/// seed, and evaluated on the same seeds; all rows are reported, the best is named, and the loss curves are
/// drawn together. A finished row is reused, so a killed sweep continues where it stopped.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var cmd = new Command("sweep", "Train and evaluate a policy's registered sweep of settings under one budget; every row reported, the best named");
        foreach (var entry in PolicyRegistry.All) cmd.Add(ForPolicy(entry));
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
        var seeds = new Option<int>("--seeds") { Description = "training seeds per row (train.seed, train.seed + 1, ...): rows report mean ± std over them", DefaultValueFactory = _ => 1 };
        var vary = new Option<string[]>("--vary") { Description = "sweep these values instead of the registered rows: KEY=V1,V2,... (repeatable; rows are the product), e.g. policy.bins=8,16,32" };
        string registered = entry.Sweep.Count > 0 ? string.Join(", ", entry.Sweep.Select(s => s.Name)) : "none registered: give --vary";
        var cmd = new Command(entry.Name, $"the {entry.Name} sweep: {registered}") { dataset, output, steps, episodes, seedStart, set, preset, seeds, vary };
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
            int seedCount = r.GetValue(seeds);
            if (seedCount < 1) throw new ArgumentException($"--seeds must be >= 1, got {seedCount}");
            // Every row's config first: a bad setting fails before hours of training.
            IReadOnlyList<(string Name, string[] Overrides)> grid = r.GetValue(vary) is { Length: > 0 } axes ? PolicyEntry.Grid([.. axes.Select(PolicyEntry.Axis)]) : entry.Sweep;
            if (grid.Count == 0) throw new ArgumentException($"{entry.Name} has no registered sweep: give the rows with --vary KEY=V1,V2,...");
            var rows = grid.Select(row => (row.Name, Config: ConfigJson.WithOverrides(baseConfig, [.. shared, .. row.Overrides]), row.Overrides)).ToList();
            foreach (var row in rows) row.Config.Validate();
            // One run per (row, seed); with one seed the run is named as its row.
            var runs = rows.SelectMany(row => Enumerable.Range(0, seedCount).Select(k =>
            {
                int seed = row.Config.Train.Seed + k;
                return (Row: row.Name, Name: seedCount == 1 ? row.Name : $"{row.Name}_s{seed}", Config: row.Config with { Train = row.Config.Train with { Seed = seed } });
            })).ToList();
            Directory.CreateDirectory(dir);
            for (int i = 0; i < runs.Count; i++)
            {
                var (_, name, config) = runs[i];
                string run = Path.Combine(dir, name);
                var done = Trainer.SavedProgress(Path.Combine(run, "checkpoint"));
                Console.WriteLine($"== {i + 1}/{runs.Count} {name}");
                if (done?.Step == config.Train.Steps) { Console.WriteLine($"finished earlier ({done.Value.Step} steps): reused"); continue; }
                int code = TrainCommand.Train(config, run, resume: done != null, overwrite: done == null); // a row killed before its first checkpoint starts over
                if (code != 0) return code;
            }
            var report = EvalCommand.Evaluate(runs.Select(x => (Path.Combine(dir, x.Name), x.Name)).ToList(), options, [], "cpu", gif: false, dir);
            WriteSweep(dir, entry.Name, rows.Select(row => (row.Name, row.Overrides, runs.Where(x => x.Row == row.Name).Select(x => x.Name).ToArray())).ToList(), report);
            Console.WriteLine($"wrote {Path.Combine(dir, "sweep.md")}, report.md, loss_curves.png");
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// sweep.md (every row, best first, the best named; with several seeds the mean ± sample std over them and
    /// each loss term's final value) and loss_curves.png (the loss and each named term, one panel each, every run).
    /// </summary>
    private static void WriteSweep(string dir, string policy, IReadOnlyList<(string Name, string[] Overrides, string[] Runs)> rows, EvalReport report)
    {
        var ci = CultureInfo.InvariantCulture;
        var byRun = report.Policies.ToDictionary(p => p.Name);
        var metrics = rows.SelectMany(r => r.Runs).ToDictionary(run => run, run => TrainingCurve.ReadMetrics(Path.Combine(dir, run, "metrics.jsonl")));
        var terms = metrics.Values.SelectMany(m => m).Where(m => m.Terms != null).SelectMany(m => m.Terms!.Keys).Distinct().Order().ToList();
        var stats = rows.Select(r =>
        {
            var rewards = r.Runs.Select(x => byRun[x].Result.AvgMaxReward).ToArray();
            var success = r.Runs.Select(x => byRun[x].Result.SuccessRate).ToArray();
            var finalTerms = terms.ToDictionary(t => t, t => r.Runs.Select(x => metrics[x].LastOrDefault(m => m.Terms?.ContainsKey(t) == true)?.Terms![t] ?? double.NaN).Average());
            return (Row: r, Reward: rewards.Average(), RewardStd: Std(rewards), Success: success.Average(), SuccessStd: Std(success), Rewards: rewards,
                FinalLoss: r.Runs.Select(x => metrics[x].LastOrDefault()?.Loss ?? double.NaN).Average(), FinalTerms: finalTerms, First: byRun[r.Runs[0]]);
        }).OrderByDescending(x => x.Reward).ThenByDescending(x => x.Success).ToList();
        int seeds = rows[0].Runs.Length;
        string Pm(double mean, double std, string format) => seeds > 1 ? $"{mean.ToString(format, ci)} ± {std.ToString(format, ci)}" : mean.ToString(format, ci);
        var sb = new StringBuilder();
        sb.AppendLine($"# Sweep: {policy} ({report.Task})");
        sb.AppendLine();
        var best = stats[0];
        sb.AppendLine(string.Create(ci, $"Best: **{best.Row.Name}** ({string.Join(" ", best.Row.Overrides)}): avg max reward {Pm(best.Reward, best.RewardStd, "F3")}, success {Pm(best.Success, best.SuccessStd, "P0")}."));
        sb.AppendLine();
        sb.AppendLine($"Every row: the same dataset, {best.First.TrainSteps} training steps, {(seeds > 1 ? $"{seeds} training seeds each (mean ± sample std over them)" : "the same training seed")}, and the same evaluation seeds ({best.First.Result.FirstSeed}-{best.First.Result.FirstSeed + best.First.Result.Episodes - 1}).");
        sb.AppendLine();
        string termHeader = string.Concat(terms.Select(t => $" final {t} |"));
        sb.AppendLine($"| rank | row | settings | params | train time | final loss |{termHeader} avg max reward | success |{(seeds > 1 ? " per seed |" : "")}");
        sb.AppendLine($"|---:|---|---|---:|---:|---:|{string.Concat(terms.Select(_ => "---:|"))}---:|---:|{(seeds > 1 ? "---|" : "")}");
        for (int i = 0; i < stats.Count; i++)
        {
            var x = stats[i];
            string termCells = string.Concat(terms.Select(t => string.Create(ci, $" {x.FinalTerms[t]:G4} |")));
            string perSeed = seeds > 1 ? " " + string.Join(", ", x.Rewards.Select(v => v.ToString("F3", ci))) + " |" : "";
            sb.AppendLine(string.Create(ci, $"| {i + 1} | {x.Row.Name} | `{string.Join(" ", x.Row.Overrides)}` | {x.First.Parameters:N0} | {TimeSpan.FromSeconds(x.First.TrainSeconds ?? 0):h\\:mm\\:ss} | {x.FinalLoss:F4} |{termCells} {Pm(x.Reward, x.RewardStd, "F3")} | {Pm(x.Success, x.SuccessStd, "P0")} |{perSeed}"));
        }
        AtomicFile.WriteAllText(Path.Combine(dir, "sweep.md"), sb.ToString());

        TrainingCurve.WriteComparison(metrics, $"{policy} sweep", Path.Combine(dir, "loss_curves.png"));
    }

    private static double Std(double[] v) => v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - v.Average()) * (x - v.Average())) / (v.Length - 1));
}
