using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.IO;
using ScottPlot;

namespace Mimicry.Training;

/// <summary>Plots <c>metrics.jsonl</c> with ScottPlot: training loss, each named loss term, validation loss and the
/// policy's validation measures against step, and evaluation reward against training wall-clock time when the run was evaluated.</summary>
public static class TrainingCurve
{
    public static void TryWrite(string metricsPath, string pngPath)
    {
        if (!File.Exists(metricsPath)) return;
        var rows = ReadMetrics(metricsPath);
        if (rows.Count < 2) return;

        var plt = new ScottPlot.Plot();
        var train = plt.Add.Scatter(rows.Select(r => (double)r.Step).ToArray(), rows.Select(r => Math.Log10(Math.Max(r.Loss, 1e-12))).ToArray());
        train.LegendText = "train loss";
        train.MarkerSize = 0;
        foreach (var term in rows.Where(r => r.Terms != null).SelectMany(r => r.Terms!.Keys).Distinct().Order())
        {
            var withTerm = rows.Where(r => r.Terms?.ContainsKey(term) == true).ToList();
            var t = plt.Add.Scatter(withTerm.Select(r => (double)r.Step).ToArray(), withTerm.Select(r => Math.Log10(Math.Max(r.Terms![term], 1e-12))).ToArray());
            t.LegendText = term;
            t.MarkerSize = 0;
        }
        var val = rows.Where(r => r.ValLoss.HasValue).ToList();
        if (val.Count > 0)
        {
            var v = plt.Add.Scatter(val.Select(r => (double)r.Step).ToArray(), val.Select(r => Math.Log10(Math.Max(r.ValLoss!.Value, 1e-12))).ToArray());
            v.LegendText = "validation loss";
        }
        foreach (var measure in rows.Where(r => r.ValMetrics != null).SelectMany(r => r.ValMetrics!.Keys).Distinct().Order())
        {
            var withMeasure = rows.Where(r => r.ValMetrics?.ContainsKey(measure) == true).ToList();
            var m = plt.Add.Scatter(withMeasure.Select(r => (double)r.Step).ToArray(), withMeasure.Select(r => Math.Log10(Math.Max(r.ValMetrics![measure], 1e-12))).ToArray());
            m.LegendText = $"validation {measure}";
        }
        plt.Title("Training loss");
        plt.XLabel("step");
        plt.YLabel("log10 loss");
        plt.ShowLegend();
        Save(plt, pngPath);

        var evals = rows.Where(r => r.EvalAvgMaxReward.HasValue).ToList();
        if (evals.Count > 0)
        {
            var e = new ScottPlot.Plot();
            var s = e.Add.Scatter(evals.Select(r => r.ElapsedSeconds / 60).ToArray(), evals.Select(r => r.EvalAvgMaxReward!.Value).ToArray());
            s.LegendText = "avg max reward";
            var sr = e.Add.Scatter(evals.Select(r => r.ElapsedSeconds / 60).ToArray(), evals.Select(r => r.EvalSuccessRate ?? 0).ToArray());
            sr.LegendText = "success rate";
            e.Axes.SetLimitsY(0, 1);
            e.Title("Evaluation vs training time");
            e.XLabel("training wall-clock (minutes)");
            e.YLabel("score");
            e.ShowLegend();
            Save(e, Path.Combine(Path.GetDirectoryName(pngPath) ?? ".", "eval_curve.png"));
        }
    }

    /// <summary>Several runs' curves side by side: the training loss and each named loss term, one panel each (log10).</summary>
    public static void WriteComparison(IReadOnlyDictionary<string, List<TrainMetrics>> runs, string title, string pngPath)
    {
        var terms = runs.Values.SelectMany(m => m).Where(m => m.Terms != null).SelectMany(m => m.Terms!.Keys).Distinct().Order().ToList();
        var multi = new Multiplot();
        multi.RemovePlot(multi.GetPlot(0));
        foreach (var term in new string?[] { null }.Concat(terms))
        {
            var plt = new ScottPlot.Plot();
            foreach (var (run, m) in runs)
            {
                var points = m.Where(x => term == null || x.Terms?.ContainsKey(term) == true).ToList();
                if (points.Count == 0) continue;
                var line = plt.Add.Scatter(points.Select(x => (double)x.Step).ToArray(),
                    points.Select(x => Math.Log10(Math.Max(term == null ? x.Loss : x.Terms![term], 1e-12))).ToArray());
                line.LegendText = run;
                line.MarkerSize = 0;
            }
            plt.Title($"{title}: {term ?? "training loss"}");
            plt.XLabel("step");
            plt.YLabel($"log10 {term ?? "loss"}");
            if (term == null) plt.ShowLegend();
            multi.AddPlot(plt);
        }
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.Write(pngPath, tmp => multi.SavePng(tmp, 700 * (terms.Count + 1), 500));
    }

    /// <summary>The metrics lines of a run; a truncated or corrupt line (a run killed mid-write) is skipped.</summary>
    public static List<TrainMetrics> ReadMetrics(string metricsPath)
    {
        var rows = new List<TrainMetrics>();
        foreach (var line in File.ReadLines(metricsPath))
        {
            try { if (JsonSerializer.Deserialize<TrainMetrics>(line, ConfigJson.Compact) is { } m) rows.Add(m); }
            catch (JsonException) { }
        }
        return rows;
    }

    private static void Save(ScottPlot.Plot plot, string path) => AtomicFile.Write(path, tmp => plot.SavePng(tmp, 900, 500));
}
