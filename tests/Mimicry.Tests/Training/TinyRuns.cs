using Mimicry.Data;
using Mimicry.Policies;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;
using Mimicry.Numerics;
using Mimicry.Envs.PushT;
using Mimicry.Configuration;

namespace Mimicry.Tests.Training;

/// <summary>Tiny configurations and data for training tests (seconds on a CPU).</summary>
internal static class TinyRuns
{
    private static EpisodeDataset? _pusht;
    private static readonly object Gate = new();

    /// <summary>The first episodes of the bundled Push-T demonstrations (a fresh copy each call).</summary>
    public static EpisodeDataset PushT(int episodes = 6)
    {
        lock (Gate) _pusht ??= PushTImport.FromZarr(TestData.BundledPushT);
        var d = _pusht;
        long frames = d.EpisodeEnds[episodes - 1];
        var values = d.Features.ToDictionary(f => f.Name, f => d.Values(f.Name)[..(int)(frames * f.Size)]);
        var small = new EpisodeDataset(d.Features, d.EpisodeEnds[..episodes], values, fps: d.Fps, task: d.Task);
        small.Stats = DatasetStats.Compute(small);
        return small;
    }

    /// <summary>Fast optimization settings for every tiny run: one torch thread, so runs are deterministic.</summary>
    public static TrainConfig Train(int steps, int batch = 32, double lr = 1e-3) => new()
    {
        Steps = steps, BatchSize = batch, Lr = lr, WarmupSteps = 10, LogEvery = 10, CheckpointEvery = 1000, ValFraction = 0,
        Seed = 1, Threads = 1,
    };

    public static RunConfig Diffusion(int steps, int batch = 32, double lr = 1e-3) => new()
    {
        Dataset = "(in memory)",
        Policy = new DiffusionConfig { DownDims = [16, 32], DiffusionStepEmbedDim = 32, Horizon = 16 },
        Train = Train(steps, batch, lr),
    };

    /// <summary>A registered policy's tiny config on Push-T keypoints.</summary>
    public static RunConfig For(string policy, int steps, int batch = 32, double lr = 1e-3) => new()
    {
        Dataset = "(in memory)",
        Policy = PolicyRegistry.Get(policy).Tiny(),
        Train = Train(steps, batch, lr),
    };

    /// <summary>Every registered policy, for theories (a new policy gets the contract tests for free).</summary>
    public static TheoryData<string> Policies => new(PolicyRegistry.Names);
}
