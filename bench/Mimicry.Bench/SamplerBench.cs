using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using TorchSharp;
using Mimicry.Envs.PushT;

namespace Mimicry.Bench;

/// <summary>
/// Batches per second of the window sampler on the bundled Push-T demonstrations: keypoint observations
/// (To = 2), actions (H = 16, Ta = 8), batch 256, MinMax-normalized, straight into tensors.
/// </summary>
public static class SamplerBench
{
    public static int Run(BenchArgs args)
    {
        int batches = (int)args.Long("batches", 2000), batchSize = (int)args.Long("batch", 256);
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "sampler.json"));
        var dataset = PushTImport.FromZarr(Path.Combine(BenchArgs.RepoRoot, "data", "pusht", "pusht_cchi_v7_replay.zarr"));
        var norms = new Dictionary<string, Normalizer>
        {
            [FeatureKeys.Keypoints] = Normalizer.Create(dataset.Stats![FeatureKeys.Keypoints], NormalizationMode.MinMax),
            [FeatureKeys.Action] = Normalizer.Create(dataset.Stats[FeatureKeys.Action], NormalizationMode.MinMax),
        };
        var split = EpisodeSplit.Create(dataset.Episodes, 0.02, 42);
        var loader = new BatchLoader(dataset, split.Train,
            new WindowConfig(2, 16, 8).Spec(new InputFeature(FeatureKeys.Keypoints, 0, 2), new InputFeature(FeatureKeys.Action, 0, 16)), norms, batchSize, seed: 0);
        for (int i = 0; i < 50; i++) using (torch.NewDisposeScope()) loader.Next().Dispose();
        long allocBefore = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < batches; i++)
        {
            using var scope = torch.NewDisposeScope();
            loader.Next().Dispose();
        }
        double seconds = sw.Elapsed.TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocBefore;
        BenchArgs.Write(output, new
        {
            bench = "sampler",
            date = DateTime.UtcNow.ToString("u"),
            batch_size = batchSize,
            n_obs_steps = 2, horizon = 16, n_action_steps = 8,
            observation = FeatureKeys.Keypoints,
            windows_available = loader.Sampler.Count,
            batches,
            batches_per_s = Math.Round(batches / seconds, 1),
            ms_per_batch = Math.Round(1000 * seconds / batches, 4),
            managed_bytes_allocated_per_batch = allocated / batches,
        });
        return 0;
    }
}
