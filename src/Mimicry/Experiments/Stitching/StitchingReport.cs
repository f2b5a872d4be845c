using System.Globalization;
using System.Text;

namespace Mimicry.Experiments.Stitching;

/// <summary>report.md and report.json of the stitching experiment.</summary>
public static class StitchingReport
{
    public static void Write(string outDir, StitchingOptions o, StitchingResult result) =>
        ReportWriter.Write(outDir, Markdown(result, o), new
        {
            task = "stitch",
            options = o,
            data_paths = result.DataPaths,
            q_values = result.QValues,
            q_learning_path = result.QLearningPath,
            rows = result.Rows,
            figures = new[] { "stitching.png" },
        });

    public static string Markdown(StitchingResult r, StitchingOptions o)
    {
        var md = new StringBuilder();
        md.AppendLine("# Stitching: what return conditioning cannot do").AppendLine();
        md.AppendLine("Graph: S → {M, Z}, M → {X, G}, Y → M; entering G pays 1 (success), Z 0.5, X 0. From S the best path is S→M→G,");
        md.AppendLine("which no episode of the data contains: it joins the first half of S→M→X to the second half of Y→M→G.").AppendLine();
        md.AppendLine($"Data: {string.Join(", ", r.DataPaths.Select(kv => $"{kv.Value} × {kv.Key}"))}. {o.Seeds} training seeds of {o.Steps} steps each for DT; {o.Episodes} rollouts per row from S.");
        md.AppendLine(ReportWriter.Header()).AppendLine();
        md.AppendLine("| method | asked for | seed | paths from S | return | success (reached G) |");
        md.AppendLine("|---|---:|---:|---|---:|---:|");
        foreach (var row in r.Rows)
            md.AppendLine($"| {row.Method} | {(row.Target is { } t ? t.ToString("0.0#", CultureInfo.InvariantCulture) : "")} | {(row.Target is null ? "" : row.Seed)} | {string.Join(", ", row.Paths.Select(kv => $"{kv.Key} {kv.Value:P0}"))} | {row.MeanReturn:F2} | {row.SuccessRate:P0} |");
        md.AppendLine().AppendLine("Offline Q-learning's values (γ = 1, logged actions only):").AppendLine();
        foreach (var (k, v) in r.QValues) md.AppendLine($"- {k} = {v:0.###}");
        md.AppendLine().AppendLine("Figure: `stitching.png` (edge width and label: the share of rollouts, or of the data's episodes, that take the edge).");
        return md.ToString();
    }
}
