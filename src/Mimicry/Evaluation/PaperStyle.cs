using System.Globalization;
using System.Text;

namespace Mimicry.Evaluation;

/// <summary>One training run's checkpoints, as the Diffusion Policy paper reports them: the max and the mean of their scores.</summary>
public sealed record RunSummary(string Run, int Checkpoints, double MaxAvgMaxReward, double MeanAvgMaxReward, double MaxSuccessRate, double MeanSuccessRate);

/// <summary>Runs that differ only in their training seed, summarized as mean ± std over seeds, beside the paper's number.</summary>
public sealed record MethodSummary(string Label, IReadOnlyList<RunSummary> Runs, double MaxMean, double MaxStd, double AvgMean, double AvgStd,
    double SuccessMaxMean, double SuccessAvgMean, double? PaperMax, string? PaperSource)
{
    /// <summary>The paper's average over its last checkpoints, when it reports one (Chi et al. 2023 report max and avg).</summary>
    public double? PaperAvg { get; init; }
}

/// <summary>
/// The paper's reporting (Chi et al. 2023, §V): for each training seed, the max and the average of the
/// scores of its last checkpoints (the paper: the last 10, one every 50 epochs); then the mean and
/// standard deviation of each over 3 training seeds.
/// </summary>
public static class PaperStyle
{
    public static IReadOnlyList<MethodSummary> Summarize(IReadOnlyList<ReportEntry> entries)
    {
        // A run acted with its raw weights beside its EMA is another run of another method (the same training without EMA).
        var runs = entries.Where(e => e.Run != null).GroupBy(e => e.Run! + (e.RawWeights ? " (raw weights)" : "")).Select(g => (Method: g.First().Method ?? g.Key, Label: Label(g.First()), First: g.First(), Summary: new RunSummary(g.Key, g.Count(),
            g.Max(e => e.Result.AvgMaxReward), g.Average(e => e.Result.AvgMaxReward), g.Max(e => e.Result.SuccessRate), g.Average(e => e.Result.SuccessRate)))).ToList();
        if (runs.Count == 0 || runs.All(r => r.Summary.Checkpoints == 1) && runs.GroupBy(r => r.Method).All(m => m.Count() == 1)) return [];
        return runs.GroupBy(r => r.Method).Select(m =>
        {
            var s = m.Select(r => r.Summary).ToList();
            var preset = m.First().First.Preset is { } name ? Training.Presets.All.FirstOrDefault(p => p.Name == name) : null;
            return new MethodSummary(m.First().Label, s, s.Average(r => r.MaxAvgMaxReward), Std(s.Select(r => r.MaxAvgMaxReward)),
                s.Average(r => r.MeanAvgMaxReward), Std(s.Select(r => r.MeanAvgMaxReward)), s.Average(r => r.MaxSuccessRate), s.Average(r => r.MeanSuccessRate),
                preset?.PaperMax, preset?.PaperSource) { PaperAvg = preset?.PaperAvg };
        }).ToList();
    }

    /// <summary>The preset, what the command line changed in it (a different recipe, not the preset's row), and the acting overrides.</summary>
    private static string Label(ReportEntry e)
    {
        var changed = (e.Deviations ?? []).Where(d => d.EndsWith(ChangedMarker, StringComparison.Ordinal)).Select(d => d[..^ChangedMarker.Length]).ToList();
        return (e.Preset ?? e.PolicyType) + (e.Preset != null && changed.Count > 0 ? $" + {string.Join(", ", changed)}" : "")
            + (e.Acting is { Count: > 0 } a ? $" [{string.Join(", ", a)}]" : "") + (e.RawWeights ? " [raw weights: no EMA]" : "");
    }

    /// <summary>How <c>mimicry train</c> marks a preset setting changed on the command line in the run's deviations.</summary>
    public const string ChangedMarker = Training.TrainRequest.ChangedMarker;

    /// <summary>Sample standard deviation (n - 1); 0 for a single value.</summary>
    public static double Std(IEnumerable<double> values)
    {
        var v = values.ToList();
        if (v.Count < 2) return 0;
        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
    }

    /// <summary>The paper's max / avg (each "–" when not reported) and where they come from.</summary>
    private static string Paper(MethodSummary m, CultureInfo ci) => m.PaperMax == null && m.PaperAvg == null ? ""
        : string.Create(ci, $"{m.PaperMax?.ToString("F2", ci) ?? "–"} / {m.PaperAvg?.ToString("F2", ci) ?? "–"}") + (m.PaperSource != null ? $" ({m.PaperSource})" : "");

    /// <summary>Our max against the paper's max and our avg against the paper's avg: the same number against the same number.</summary>
    private static string Difference(MethodSummary m, CultureInfo ci) => m.PaperMax == null && m.PaperAvg == null ? ""
        : string.Create(ci, $"{(m.PaperMax is { } p ? (m.MaxMean - p).ToString("+0.000;-0.000", ci) : "–")} / {(m.PaperAvg is { } a ? (m.AvgMean - a).ToString("+0.000;-0.000", ci) : "–")}");

    public static string Markdown(IReadOnlyList<ReportEntry> entries)
    {
        var summary = Summarize(entries);
        if (summary.Count == 0) return "";
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("## Paper-style summary: max / avg over each run's checkpoints, mean ± std over training seeds");
        sb.AppendLine();
        sb.AppendLine("| method | seeds | checkpoints per seed | max (avg max reward) | avg (avg max reward) | success, max / avg | paper max / avg | ours − paper, max / avg |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---|---|");
        foreach (var m in summary)
            sb.AppendLine(string.Create(ci, $"| {m.Label} | {m.Runs.Count} | {string.Join("/", m.Runs.Select(r => r.Checkpoints).Distinct())} | **{m.MaxMean:F3}** ± {m.MaxStd:F3} | {m.AvgMean:F3} ± {m.AvgStd:F3} | {m.SuccessMaxMean:P0} / {m.SuccessAvgMean:P0} | {Paper(m, ci)} | {Difference(m, ci)} |"));
        sb.AppendLine();
        sb.AppendLine("| run | checkpoints | max | avg |");
        sb.AppendLine("|---|---:|---:|---:|");
        foreach (var r in summary.SelectMany(m => m.Runs))
            sb.AppendLine(string.Create(ci, $"| `{r.Run}` | {r.Checkpoints} | {r.MaxAvgMaxReward:F3} | {r.MeanAvgMaxReward:F3} |"));
        sb.AppendLine();
        return sb.ToString();
    }
}
