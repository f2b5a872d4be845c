using System.Globalization;
using System.Text.Json;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Policies.Tokens;
using Mimicry.Training;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Bench;

/// <summary>
/// What one action chunk costs to produce, for any chunking policy side by side: p50 / p95 over warm calls at batch 1
/// and at a batch like the evaluator's, outside any rollout (<see cref="ChunkLatency"/>), and for token policies the
/// tokens decoded per chunk (each one network pass with the KV cache, plus one over the prefix).
/// <c>--runs A,B|policy.sampler=ddim|policy.num_inference_steps=10,...</c>: a run, then acting overrides after '|'.
/// </summary>
public static class LatencyBench
{
    public static int Run(BenchArgs args)
    {
        var specs = args.String("runs", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (specs.Length == 0) throw new ArgumentException("--runs RUN[|key=value...][,RUN...]: trained runs (or checkpoint folders)");
        int calls = (int)args.Long("calls", 50), batch = (int)args.Long("batch", 50), threads = (int)args.Long("threads", 1);
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "latency.json"));
        torch.set_num_threads(threads);
        var rows = new List<object>();
        foreach (var spec in specs)
        {
            var parts = spec.Split('|');
            string run = parts[0];
            var acting = parts[1..];
            var (config, policy) = Checkpoint.Load(run, acting: acting);
            using (policy)
            {
                var one = ChunkLatency.Measure(policy, 1, calls);
                var many = ChunkLatency.Measure(policy, batch, Math.Max(5, calls / 5));
                double? decoded = null;
                if (policy is ActionTokensPolicy tokens)
                {
                    using var obs = ChunkLatency.MeanWindow(policy, batch);
                    using var normalized = policy.Normalizers[config.Policy.ObservationKey].Normalize(obs);
                    decoded = tokens.DecodeTokens(normalized, new Generator(0)).Average(s => (double)s.Length);
                }
                var row = new
                {
                    run = Path.GetFileName(Path.GetFullPath(run).TrimEnd('/')),
                    policy = config.Policy.Name,
                    acting = string.Join(" ", acting),
                    sampling = Sampling(config, decoded),
                    parameters = policy.ParameterCount(),
                    batch1_p50_ms = Math.Round(one.P50Ms, 2),
                    batch1_p95_ms = Math.Round(one.P95Ms, 2),
                    batch,
                    batched_p50_ms = Math.Round(many.P50Ms, 2),
                    batched_p95_ms = Math.Round(many.P95Ms, 2),
                    tokens_per_chunk_decoded = decoded is { } d ? Math.Round(d, 2) : (double?)null,
                };
                Console.WriteLine(JsonSerializer.Serialize(row));
                rows.Add(row);
            }
        }
        BenchArgs.Write(output, new { bench = "latency", date = DateTime.UtcNow.ToString("u"), git_revision = Provenance.Current().GitRevision, torch_threads = threads, calls, rows });
        return 0;
    }

    /// <summary>How the chunk is produced, in network passes.</summary>
    private static string Sampling(RunConfig config, double? decoded) => Sampler(config.Policy) ?? (config.Policy is ActionTokensConfig t
        ? string.Create(CultureInfo.InvariantCulture, $"{t.Tokenizer}, {(t.Temperature == 0 ? "greedy" : $"T = {t.Temperature}")}, {decoded:F1} tokens")
        : "one pass");

    /// <summary>A denoising or ODE policy's sampler and its steps ("Ddim-10"); null for every other policy.</summary>
    internal static string? Sampler(PolicyConfig policy) => policy switch
    {
        Policies.Diffusion.DiffusionConfig d => $"{d.Sampler}-{d.NumInferenceSteps}",
        Policies.Flow.FlowConfig f => $"{f.Sampler}-{f.NumInferenceSteps}",
        _ => null,
    };
}
