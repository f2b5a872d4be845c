using System.CommandLine;
using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.IO;
using Mimicry.Policies;
using ScottPlot;

namespace Mimicry.Cli.Commands;

/// <summary>
/// <c>mimicry ablate setting RUN... --setting policy.target_return --values 0.2,0.4,...</c>: one acting setting
/// swept over values on the same seeds (the Decision Transformer's target return, a guidance scale, a sampling
/// temperature), avg max reward and success against the value, one line per run.
/// </summary>
internal static class AblateSettingCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("run") { Description = "runs (or checkpoint folders)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "report folder", Required = true };
        var setting = new Option<string>("--setting") { Description = "the acting setting to sweep, e.g. policy.target_return or policy.guidance_scale", Required = true };
        var values = new Option<string>("--values") { Description = "its values, comma-separated", Required = true };
        var set = new Option<string[]>("--set") { Description = "other acting settings held fixed, e.g. policy.condition_value=[1]" };
        var episodes = new Option<int>("--episodes") { Description = "evaluation episodes per row", DefaultValueFactory = _ => 50 };
        var seedStart = new Option<long>("--seed-start") { Description = "first evaluation seed", DefaultValueFactory = _ => 100000 };
        var cmd = new Command("setting", "Avg max reward and success against the values of one acting setting (e.g. the Decision Transformer's target return)")
        { runs, output, setting, values, set, episodes, seedStart };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!, key = r.GetValue(setting)!;
            if (!key.StartsWith("policy.", StringComparison.Ordinal)) throw new ArgumentException($"--setting {key}: acting settings are policy.* keys");
            var list = PolicyEntry.SplitValues(r.GetValue(values)!, "--values").ToArray(); // [0.2,1],[1,1]: two values
            var fixedSets = r.GetValue(set) ?? [];
            var rows = r.GetValue(runs)!.SelectMany(run => list.Select(v => (Run: run, Value: v))).ToList();
            var options = new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart));
            var report = EvalCommand.Evaluate(rows.Select(x => (x.Run, $"{RunName(x.Run)}:{key["policy.".Length..]}={x.Value}", (IReadOnlyList<string>)[.. fixedSets, $"{key}={x.Value}"])).ToList(),
                options, "cpu", gif: false, outDir);
            var table = rows.Select((x, i) => new
            {
                run = x.Run, value = x.Value,
                avg_max_reward = report.Policies[i].Result.AvgMaxReward, success_rate = report.Policies[i].Result.SuccessRate,
                latency_p50_ms = report.Policies[i].Result.LatencyP50Ms,
            }).ToList();
            ConfigJson.Save(new { git_revision = Provenance.Current().GitRevision, date = DateTime.UtcNow.ToString("u"), command = Cli.CommandLine, setting = key, fixed_settings = fixedSets,
                episodes = options.Episodes, first_seed = options.FirstSeed, rows = table }, Path.Combine(outDir, "setting.json"));
            var md = new StringBuilder();
            md.AppendLine($"# {key} swept\n");
            md.AppendLine($"`{Cli.CommandLine}` at {Provenance.Current().GitRevision}; {options.Episodes} episodes from seed {options.FirstSeed} per row{(fixedSets.Length > 0 ? $"; held fixed: {string.Join(", ", fixedSets)}" : "")}.\n");
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
            AtomicFile.WriteAllText(Path.Combine(outDir, "setting.md"), md.ToString());
            Draw(key, list, table.Select(t => (t.run, t.value, t.avg_max_reward, t.success_rate)).ToList(), Path.Combine(outDir, "setting.png"));
            Console.WriteLine($"wrote {outDir}/setting.md, setting.json, setting.png, report.md");
            return 0;
        }));
        return cmd;
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
        AtomicFile.Write(path, tmp => plt.SavePng(tmp, 900, 550));
    }
}
