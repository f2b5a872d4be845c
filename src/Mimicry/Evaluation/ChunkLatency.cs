using System.Diagnostics;
using Mimicry.Policies;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Numerics;

namespace Mimicry.Evaluation;

/// <summary>Wall time of one action chunk for B environments at once, outside any rollout: the inference cost alone.</summary>
public static class ChunkLatency
{
    /// <summary>A raw observation window (batch, To, Do) that repeats the training data's mean observation.</summary>
    public static Tensor MeanWindow(IPolicy policy, int batch)
    {
        var mean = policy.Normalizers.Features[policy.Config.ObservationKey].Stats.Mean.Select(v => (float)v).ToArray();
        return torch.tensor(mean).reshape(1, 1, mean.Length).expand(batch, policy.Config.NObsSteps, mean.Length).contiguous();
    }

    /// <summary>The mean observation window and, for every camera the policy reads, mid-grey frames (batch, To, H·W·C).</summary>
    public static Dictionary<string, Tensor> MeanObservations(IPolicy policy, int batch)
    {
        var window = new Dictionary<string, Tensor> { [policy.Config.ObservationKey] = MeanWindow(policy, batch) };
        var shape = policy.Config.ImageShape;
        foreach (var camera in policy.Config.ImageKeys)
            window[camera] = torch.full(batch, policy.Config.NObsSteps, shape[0] * shape[1] * shape[2], 128f);
        return window;
    }

    /// <summary>p50 and p95 over <paramref name="calls"/> warm calls of <see cref="IChunkingPolicy.PredictChunk(IReadOnlyDictionary{string, Tensor}, Generator?)"/>
    /// on a (batch, To, Do) window of the mean observation, with grey camera frames (latency does not depend on the values).</summary>
    public static (double P50Ms, double P95Ms) Measure(IPolicy policy, int batch, int calls, int seed = 0)
    {
        if (policy is not IChunkingPolicy chunking) throw new NotSupportedException($"{policy.Config.Name} does not predict action chunks");
        if (batch < 1 || calls < 1) throw new ArgumentException($"batch ({batch}) and calls ({calls}) must be >= 1");
        var obs = MeanObservations(policy, batch);
        using var g = new Generator((ulong)seed);
        chunking.PredictChunk(obs, g).Dispose(); // warm-up
        var ms = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            var sw = Stopwatch.StartNew();
            chunking.PredictChunk(obs, g).Dispose();
            ms[i] = sw.Elapsed.TotalMilliseconds;
        }
        foreach (var t in obs.Values) t.Dispose();
        Array.Sort(ms);
        return (Statistics.Quantile(ms, 0.5), Statistics.Quantile(ms, 0.95));
    }
}
