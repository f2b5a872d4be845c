using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mimicry.Configuration;
using Mimicry.IO;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Evaluation;

/// <summary>One policy's row in a report: what was evaluated, how it was trained, how it acted, and the results.</summary>
/// <param name="Acting">Acting-only settings changed for this evaluation ("policy.sampler=ddim"), if any.</param>
/// <param name="Preset">The preset the run started from, if any.</param>
/// <param name="Deviations">How the run's configuration departs from its paper.</param>
/// <param name="Run">The run folder the checkpoint belongs to (several checkpoints of one run share it).</param>
/// <param name="Method">The run's configuration without its seed: runs that differ only in seed share it.</param>
public sealed record ReportEntry(string Name, string Checkpoint, string PolicyType, long Parameters, int? TrainSteps, double? TrainSeconds, EvalResult Result,
    IReadOnlyList<string>? Acting = null, string? Preset = null, IReadOnlyList<string>? Deviations = null, string? Run = null, string? Method = null,
    bool RawWeights = false);

/// <summary>
/// <c>report.json</c> + <c>report.md</c>: the evaluation of one or more policies on the same seeds, the
/// exact commands that produced them, and the git revision.
/// </summary>
public sealed record EvalReport(string Task, string GitRevision, string Date, IReadOnlyList<string> Commands, IReadOnlyList<ReportEntry> Policies, string? Gif)
{
    /// <summary>The paper's max / avg over checkpoints and mean ± std over seeds, when the report holds several checkpoints or seeds.</summary>
    public IReadOnlyList<MethodSummary> Summary => PaperStyle.Summarize(Policies);

    private static readonly JsonSerializerOptions Json = new(ConfigJson.Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip };

    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, "report.json"), JsonSerializer.Serialize(this, Json));
        AtomicFile.WriteAllText(Path.Combine(dir, "report.md"), Markdown());
    }

    private string SuccessText => Envs.Tasks.All.FirstOrDefault(t => t.Name == Task)?.Success ?? "the task's success predicate";

    public string Markdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"# Evaluation: {Task}");
        sb.AppendLine();
        var first = Policies.FirstOrDefault()?.Result;
        if (first != null)
            sb.AppendLine($"{first.Episodes} episodes, seeds {first.FirstSeed}-{first.FirstSeed + first.Episodes - 1}, {first.MaxSteps} steps each. " +
                          $"Score: mean over episodes of the max reward (the Diffusion Policy paper's metric); success: {SuccessText}.");
        sb.AppendLine();
        sb.AppendLine("| policy | type | acting | params | train steps | train time | avg max reward | success rate | latency p50 / p95 (ms per call) | envs per call |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in Policies)
        {
            var r = p.Result;
            string time = p.TrainSeconds is { } s ? TimeSpan.FromSeconds(s).ToString(@"h\:mm\:ss", ci) : "";
            sb.AppendLine(string.Create(ci, $"| {p.Name} | {p.PolicyType} | {(p.Acting is { Count: > 0 } a ? string.Join(", ", a) : "as trained")} | {p.Parameters:N0} | {p.TrainSteps} | {time} | **{r.AvgMaxReward:F3}** | {r.SuccessRate:P0} | {r.LatencyP50Ms:F1} / {r.LatencyP95Ms:F1} | {r.MeanBatchPerCall:F1} |"));
        }
        sb.AppendLine();
        if (Policies.Any(p => p.Result.Actions != null))
        {
            sb.AppendLine("Safety and smoothness of the executed actions (the task's units; change = |a_t − a_t−1|; at chunk boundaries: a new chunk's first action against the previous chunk's last):");
            sb.AppendLine();
            sb.AppendLine("| policy | actions | outside the action bounds | change mean / p99 | at chunk boundaries mean / p99 | chunk period |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var p in Policies.Where(p => p.Result.Actions != null))
            {
                var a = p.Result.Actions!;
                sb.AppendLine(string.Create(ci, $"| {p.Name} | {a.Actions:N0} | {a.OutOfBoundsFraction:P2} | {a.MeanChange:F2} / {a.P99Change:F2} | {a.MeanBoundaryChange:F2} / {a.P99BoundaryChange:F2} | {a.ChunkPeriod} |"));
            }
            sb.AppendLine();
        }
        if (Gif != null) { sb.AppendLine($"Rollouts: `{Gif}`"); sb.AppendLine(); }
        sb.Append(PaperStyle.Markdown(Policies));
        foreach (var preset in Policies.Where(p => p.Preset != null || p.Deviations is { Count: > 0 }).GroupBy(p => (p.Preset, string.Join("\n", p.Deviations ?? []))))
        {
            var first0 = preset.First();
            sb.AppendLine($"## Protocol: {(first0.Preset != null ? $"preset `{first0.Preset}`" : "custom")} ({string.Join(", ", preset.Select(p => p.Name))})");
            sb.AppendLine();
            if (first0.Deviations is not { Count: > 0 }) sb.AppendLine("No deviation from the paper's configuration.");
            else { sb.AppendLine("Deviations from the paper:"); foreach (var d in first0.Deviations) sb.AppendLine($"- {d}"); }
            sb.AppendLine();
        }
        sb.AppendLine("## Per episode (max reward)");
        sb.AppendLine();
        sb.AppendLine("| seed | " + string.Join(" | ", Policies.Select(p => p.Name)) + " |");
        sb.AppendLine("|---|" + string.Concat(Policies.Select(_ => "---:|")));
        for (int i = 0; i < (first?.Episodes ?? 0); i++)
            sb.AppendLine($"| {first!.PerEpisode[i].Seed} | " + string.Join(" | ", Policies.Select(p => i < p.Result.PerEpisode.Count
                ? string.Create(ci, $"{p.Result.PerEpisode[i].MaxReward:F3}{(p.Result.PerEpisode[i].Success ? " ✓" : "")}") : "")) + " |");
        sb.AppendLine();
        sb.AppendLine("## Reproduce");
        sb.AppendLine();
        sb.AppendLine($"git revision `{GitRevision}`, {Date}");
        sb.AppendLine();
        sb.AppendLine("```bash");
        foreach (var c in Commands) sb.AppendLine(c);
        sb.AppendLine("```");
        return sb.ToString();
    }
}
