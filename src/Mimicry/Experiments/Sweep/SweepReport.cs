using System.Globalization;
using System.Text;
using Mimicry.Evaluation;
using Mimicry.IO;
using Mimicry.Training;

namespace Mimicry.Experiments.Sweep;

/// <summary>sweep.md and loss_curves.png of a sweep (its evaluation is report.md beside them).</summary>
public static class SweepReport
{
    /// <summary>
    /// sweep.md (every row, best first, the best named; with several seeds the mean ± sample std over them and
    /// each loss term's final value) and loss_curves.png (the loss and each named term, one panel each, every run).
    /// </summary>
    /// <param name="folders">The training folder of each evaluated name (a raw-weights row shares its EMA row's folders); null: the name.</param>
    public static void Write(string dir, string policy, IReadOnlyList<(string Name, string[] Overrides, string[] Runs)> rows, EvalReport report,
        IReadOnlyDictionary<string, string>? folders = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var byRun = report.Policies.ToDictionary(p => p.Name);
        string FolderOf(string run) => folders?.GetValueOrDefault(run) ?? run;
        var metrics = rows.SelectMany(r => r.Runs).ToDictionary(run => run, run => TrainingCurve.ReadMetrics(Path.Combine(dir, FolderOf(run), "metrics.jsonl")));
        var terms = metrics.Values.SelectMany(m => m).Where(m => m.Terms != null).SelectMany(m => m.Terms!.Keys).Distinct().Order().ToList();
        var stats = rows.Select(r =>
        {
            var rewards = r.Runs.Select(x => byRun[x].Result.AvgMaxReward).ToArray();
            var success = r.Runs.Select(x => byRun[x].Result.SuccessRate).ToArray();
            var finalTerms = terms.ToDictionary(t => t, t => r.Runs.Select(x => metrics[x].LastOrDefault(m => m.Terms?.ContainsKey(t) == true)?.Terms![t] ?? double.NaN).Average());
            return (Row: r, Reward: rewards.Average(), RewardStd: PaperStyle.Std(rewards), Success: success.Average(), SuccessStd: PaperStyle.Std(success), Rewards: rewards,
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

        // One curve per training folder (a raw-weights row trained nothing of its own).
        TrainingCurve.WriteComparison(metrics.Where(kv => FolderOf(kv.Key) == kv.Key).ToDictionary(), $"{policy} sweep", Path.Combine(dir, "loss_curves.png"));
    }
}
