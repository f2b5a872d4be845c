using System.Globalization;
using System.Text;

namespace Mimicry.Experiments.Guidance;

/// <summary>report.md and report.json of the mode-steering experiment.</summary>
public static class GuidanceReport
{
    public static void Write(string outDir, GuidanceOptions o, GuidanceResult result) =>
        ReportWriter.Write(outDir, Markdown(o, result), new
        {
            task = "fork",
            convention = "eps~ = eps(null) + s * (eps(c) - eps(null)); s = 1 conditional, s = 0 unconditional; Ho's w = s - 1",
            options = o,
            result,
            figures = new[] { "adherence.png", "fork_samples.png" },
        });

    public static string Markdown(GuidanceOptions o, GuidanceResult r)
    {
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine($"# Classifier-free guidance on the fork: {r.Policy}\n");
        md.AppendLine($"{ReportWriter.Header()} Trained {o.Steps} steps ({r.TrainSeconds:F0} s) on {o.Demonstrations} demonstrations with the demonstrator's side (`demo.side`, -1 left / +1 right) as a condition dropped for a learned null embedding with p = {o.ConditionDropout}.");
        md.AppendLine($"Each cell: {o.EvalEpisodes} episodes, seeds {o.EvalSeedStart}-{o.EvalSeedStart + o.EvalEpisodes - 1}. Adherence: the share of rollouts whose x has the requested sign when they first reach y = 0 (beside the obstacle); a rollout that never gets there does not adhere.\n");
        md.AppendLine("Convention: ε̃ = ε(∅) + s·(ε(c) − ε(∅)); s = 1 is the conditional model, s = 0 the unconditional one (Ho & Salimans' w = s − 1).\n");
        if (o.GuidanceInterval != null)
            md.AppendLine($"Guidance only on noise levels [{o.GuidanceInterval[0]}, {o.GuidanceInterval[1]}] (1 = pure noise; Kynkäänniemi et al. 2024): the other sampling steps run the conditional model alone.\n");
        md.AppendLine("| s | adherence (ask left) | adherence (ask right) | success (left / right) | samples at the fork, asking left (left / right) |");
        md.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var s in r.Cells.Select(c => c.Scale).Distinct())
        {
            var l = r.Cells.First(c => c.Scale == s && c.Side < 0);
            var rt = r.Cells.First(c => c.Scale == s && c.Side > 0);
            md.AppendLine(string.Create(ci, $"| {s} | {l.Adherence:P0} | {rt.Adherence:P0} | {l.SuccessRate:P0} / {rt.SuccessRate:P0} | {l.Samples.Left:P0} / {l.Samples.Right:P0} |"));
        }
        md.AppendLine();
        md.AppendLine("Latency of one action chunk at batch 1 (median, ms): " + string.Join(", ", r.LatencyP50MsBatch1.Select(kv => $"{kv.Key}: {kv.Value:F1}")) +
            ". s = 1 runs one pass of B; any other s > 0 one batched pass of 2B.\n");
        md.AppendLine("![adherence](adherence.png)\n\n![samples](fork_samples.png)");
        return md.ToString();
    }
}
