using System.Globalization;
using System.Text;

namespace Mimicry.Experiments.Multimodal;

/// <summary>report.md and report.json of the fork experiment.</summary>
public static class MultimodalReport
{
    public static void Write(string outDir, MultimodalOptions o, IReadOnlyList<MultimodalPolicyResult> results)
    {
        var payload = new
        {
            task = "fork",
            options = o,
            policies = results.Select(p => new
            {
                policy = p.Policy,
                acting = p.Acting,
                parameters = p.Parameters,
                train_seconds = p.TrainSeconds,
                success_rate = p.Eval.SuccessRate,
                episodes = p.Eval.Episodes,
                first_seed = p.Eval.FirstSeed,
                fork_samples = p.Samples,
                latency_p50_ms = p.Eval.LatencyP50Ms,
            }),
            figures = new[] { "rollouts.png", "fork_samples.png" },
        };
        ReportWriter.Write(outDir, Markdown(results, o), payload);
    }

    private static string Markdown(IReadOnlyList<MultimodalPolicyResult> results, MultimodalOptions o)
    {
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# The fork: two ways round an obstacle").AppendLine();
        md.AppendLine($"{o.Demonstrations} scripted demonstrations (half left, half right), {o.Steps} training steps per policy at batch {o.BatchSize}; ")
          .AppendLine($"{o.EvalEpisodes} rollouts per row on seeds {o.EvalSeedStart}-{o.EvalSeedStart + o.EvalEpisodes - 1}; {o.ForkSamples} chunks sampled at the start, where each row's action {results.FirstOrDefault()?.Samples.StepIndex + 1} lands.")
          .AppendLine(ReportWriter.Header()).AppendLine();
        md.AppendLine("| row | parameters | train s | success | samples left | middle | right | mean x |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            md.AppendLine(string.Create(ci, $"| {r.Policy} | {r.Parameters:N0} | {r.TrainSeconds:F0} | {r.Eval.SuccessRate:P0} | {r.Samples.Left:P0} | {r.Samples.Middle:P0} | {r.Samples.Right:P0} | {r.Samples.MeanX:F3} |"));
        md.AppendLine().AppendLine("Figures: `rollouts.png` (demonstrations and every row's rollouts), `fork_samples.png` (the samples).");
        return md.ToString();
    }
}
