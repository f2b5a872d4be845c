using System.Globalization;
using System.Text;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Runtime;
using ScottPlot;

namespace Mimicry.Experiments.Ablation;

/// <summary>
/// <c>mimicry ablate setting</c>: one acting setting swept over values (e.g. the Decision Transformer's target return, a
/// temperature), avg max reward and success against the value, one line per run.
/// </summary>
public static class SettingAblation
{
    public static void Run(IReadOnlyList<string> runs, string key, string values, string[] fixedSets, EvalOptions options, string outDir,
        Action<string>? log = null, IProgressDisplay? progress = null)
    {
        IO.AtomicFile.EnsureWritableFolder(outDir);
        if (!key.StartsWith("policy.", StringComparison.Ordinal)) throw new ArgumentException($"--setting {key}: acting settings are policy.* keys");
        var list = PolicyEntry.SplitValues(values, "--values").ToArray(); // [0.2,1],[1,1]: two values
                var rows = runs.SelectMany(run => list.Select(v => (Run: run, Value: v))).ToList();
                var report = RunEvaluation.Evaluate(rows.Select(x => new EvalTarget(x.Run, $"{RunName(x.Run)}:{key["policy.".Length..]}={x.Value}", [.. fixedSets, $"{key}={x.Value}"])).ToList(),
            options, "cpu", gif: false, outDir, log, progress);
        var table = rows.Select((x, i) => new
        {
            run = x.Run, value = x.Value,
            avg_max_reward = report.Policies[i].Result.AvgMaxReward, success_rate = report.Policies[i].Result.SuccessRate,
            latency_p50_ms = report.Policies[i].Result.LatencyP50Ms,
        }).ToList();
        var md = new StringBuilder();
        md.AppendLine($"# {key} swept\n");
        md.AppendLine($"{ReportWriter.Header()} {options.Episodes} episodes from seed {options.FirstSeed} per row{(fixedSets.Length > 0 ? $"; held fixed: {string.Join(", ", fixedSets)}" : "")}.\n");
        md.AppendLine($"| run | {key} | avg max reward | success | latency p50 (ms) |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var t in table)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {RunName(t.run)} | {t.value} | **{t.avg_max_reward:F3}** | {t.success_rate:P0} | {t.latency_p50_ms:F1} |"));
        foreach (var g in table.GroupBy(t => t.run))
        {
            var best = g.OrderByDescending(t => t.avg_max_reward).First();
            md.AppendLine($"\n{RunName(g.Key)}: best at {key} = {best.value} ({best.avg_max_reward:F3}, {best.success_rate:P0} success).");
        }
        md.AppendLine("\n![reward and success against the setting](setting.png)\n\nPer-row evaluation: `report.md`.");
        ReportWriter.Write(outDir, md.ToString(), new { setting = key, fixed_settings = fixedSets, episodes = options.Episodes, first_seed = options.FirstSeed, rows = table }, "setting");
        Draw(key, list, table.Select(t => (t.run, t.value, t.avg_max_reward, t.success_rate)).ToList(), Path.Combine(outDir, "setting.png"));
    }

    private static string RunName(string run) => Path.GetFileName(Path.GetFullPath(run).TrimEnd('/'));

    /// <summary>Reward (solid) and success (dashed) against the value; values that are not all numbers are placed at 0, 1, 2, ... and labelled.</summary>
    private static void Draw(string key, string[] values, List<(string Run, string Value, double Reward, double Success)> rows, string path)
    {
        bool numeric = values.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        double X(string v) => numeric ? double.Parse(v, CultureInfo.InvariantCulture) : Array.IndexOf(values, v);
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var g in rows.GroupBy(x => x.Run))
        {
            var pts = g.OrderBy(x => X(x.Value)).ToList();
            var reward = plt.Add.Scatter(pts.Select(p => X(p.Value)).ToArray(), pts.Select(p => p.Reward).ToArray());
            reward.Color = palette.GetColor(i);
            reward.LegendText = $"{RunName(g.Key)}: avg max reward";
            var success = plt.Add.Scatter(pts.Select(p => X(p.Value)).ToArray(), pts.Select(p => p.Success).ToArray());
            success.Color = palette.GetColor(i);
            success.LinePattern = LinePattern.Dashed;
            success.LegendText = $"{RunName(g.Key)}: success";
            i++;
        }
        if (!numeric)
            plt.Axes.Bottom.SetTicks(Enumerable.Range(0, values.Length).Select(v => (double)v).ToArray(), values);
        plt.XLabel(key);
        plt.YLabel("avg max reward / success rate");
        plt.Axes.SetLimitsY(0, 1.05);
        plt.ShowLegend(Alignment.UpperLeft);
        ReportWriter.Png(path, plt, 900, 550);
    }
}
