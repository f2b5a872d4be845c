using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Generative;
using Mimicry.Policies;
using Mimicry.Nn;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Envs.PushT;
using Mimicry.Configuration;

namespace Mimicry.Bench;

/// <summary>
/// Diffusion Policy speed and memory on this machine, for comparison with the reference PyTorch figures
/// (../shared/notes/pytorch-reference.md: same UNet, float32, 2 threads, synthetic batches):
/// train step (forward, backward, AdamW, LR, EMA) at batch 256 and 64; UNet forward, DDIM-10 and DDPM-100
/// action chunks at batch 1; for the paper's U-Net [256,512,1024] and the CPU-budget one [64,128,256].
/// Then native memory over many training steps (live tensors and RSS) and the sampler/train-step ratio.
/// </summary>
public static class DiffusionBench
{
    public static int Run(BenchArgs args)
    {
        int threads = (int)args.Long("threads", 2), repeats = (int)args.Long("repeats", 5);
        long memorySteps = args.Long("memory-steps", 10_000);
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "diffusion.json"));
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        var results = new Dictionary<string, object>
        {
            ["bench"] = "diffusion",
            ["date"] = DateTime.UtcNow.ToString("u"),
            ["torch_threads"] = threads,
            ["repeats_best_of"] = repeats,
        };
        var data = PushTImport.FromZarr(Path.Combine(BenchArgs.RepoRoot, "data", "pusht", "pusht_cchi_v7_replay.zarr"));
        var stats = data.Stats!;
        foreach (var (name, dims) in new[] { ("dp_paper_unet_256_512_1024", new[] { 256, 512, 1024 }), ("cpu_budget_unet_64_128_256", new[] { 64, 128, 256 }) })
        {
            var config = new DiffusionConfig { DownDims = dims };
            var normalizers = PolicyNormalizers.From(stats, config);
            using var policy = new DiffusionPolicy(config, normalizers);
            var ema = policy.CreateNetwork();
            var train = new TrainConfig();
            var groups = Mimicry.Training.Optim.FlatParameterGroup.Create(policy.Network);
            using var emaUpdater = new Ema(ema, policy.Network, groups, train);
            using var opt = new Mimicry.Training.Optim.FlatAdamW(groups, 1e-4, 0.95, 0.999, 1e-8, 1e-6);
            using var gen = new Generator(0);
            var r = new Dictionary<string, object> { ["parameters"] = policy.Network.parameters().Sum(p => p.numel()) };
            foreach (int batch in new[] { 256, 64 })
            {
                using var b = SyntheticBatch(batch);
                double best = Measure.BestOf(repeats, 1, () =>
                {
                    using var scope = torch.NewDisposeScope();
                    opt.LearningRate = 1e-4;
                    opt.ZeroGrad();
                    var loss = policy.ComputeLoss(b, gen).Loss;
                    loss.backward();
                    opt.Step();
                    emaUpdater.Step();
                    loss.item<float>();
                });
                r[$"train_step_batch_{batch}_s"] = Math.Round(best, 4);
                r[$"train_samples_per_s_batch_{batch}"] = Math.Round(batch / best, 1);
            }
            var net = (ConditionalUnet1d)policy.Network;
            using (var noGrad = torch.no_grad())
            {
                var x = torch.randn(1, 16, 2);
                var t = torch.tensor(new long[] { 10 });
                var c = torch.randn(1, 40);
                r["unet_forward_batch_1_ms"] = Math.Round(1000 * Measure.BestOf(repeats * 4, 3, () => { using var s = torch.NewDisposeScope(); net.forward(x, t, c); }), 2);
            }
            var obs = torch.randn(1, 2, 20) * 50 + 250;
            // The same weights acting with another sampler: acting-only settings rebuild the policy, not the network.
            foreach (var (key, kind, stepsN, reps) in new[] { ("ddim_10_chunk_batch_1_ms", SamplerKind.Ddim, 10, repeats * 2), ("ddpm_100_chunk_batch_1_ms", SamplerKind.Ddpm, 100, repeats) })
            {
                using var acting = new DiffusionPolicy(config with { Sampler = kind, NumInferenceSteps = stepsN }, normalizers);
                acting.Network.load_state_dict(policy.Network.state_dict());
                r[key] = Math.Round(1000 * Measure.BestOf(reps, reps == repeats ? 1 : 2, () => { using var s = torch.NewDisposeScope(); acting.PredictActionChunk(obs, gen); }), 1);
            }
            results[name] = r;
            Console.WriteLine($"{name}: {string.Join(", ", r.Select(kv => $"{kv.Key}={kv.Value}"))}");
            ema.Dispose();
        }
        results["pytorch_reference_dp_paper_unet"] = new Dictionary<string, object>
        {
            ["source"] = "../shared/notes/pytorch-reference.md (DP @5ba07ac6, Debian torch 1.13.1 + OpenBLAS, 2 threads, fast state)",
            ["train_step_batch_256_s"] = 3.9, ["train_step_batch_64_s"] = 1.29, ["unet_forward_batch_1_ms"] = "26-29",
            ["ddim_10_chunk_batch_1_ms"] = 280, ["ddpm_100_chunk_batch_1_ms"] = "2700-3100",
        };
        results["memory"] = Memory(data, memorySteps);
        results["sampler_vs_train_step"] = SamplerRatio(data);
        BenchArgs.Write(output, results);
        return 0;
    }

    private static Batch SyntheticBatch(int b) => new(
        new Dictionary<string, Tensor> { [FeatureKeys.Keypoints] = torch.rand(b, 2, 20) * 2 - 1, [FeatureKeys.Action] = torch.rand(b, 16, 2) * 2 - 1 },
        new Dictionary<string, Tensor> { [FeatureKeys.Keypoints] = torch.zeros(b, 2, dtype: ScalarType.Bool), [FeatureKeys.Action] = torch.zeros(b, 16, dtype: ScalarType.Bool) });

    /// <summary>Trains a small U-Net through the real Trainer for many steps and reads live tensors and RSS along the way.</summary>
    private static object Memory(EpisodeDataset data, long steps)
    {
        var config = new RunConfig
        {
            Dataset = "bundled", Policy = new DiffusionConfig { DownDims = [16, 32, 64], DiffusionStepEmbedDim = 32 },
            Train = new TrainConfig { Steps = (int)steps, BatchSize = 32, LogEvery = 1000, CheckpointEvery = (int)steps, ValFraction = 0 },
        };
        return Measure.TrainingMemory(config, data, "mimicry-bench-memory");
    }

    private static object SamplerRatio(EpisodeDataset d)
    {
        var config = new DiffusionConfig { DownDims = [64, 128, 256] };
        var normalizers = PolicyNormalizers.From(d.Stats!, config);
        var loader = new BatchLoader(d, Enumerable.Range(0, d.Episodes).ToArray(), config.TrainingWindow, normalizers.All(), 256, 0);
        double batchS = Measure.BestOf(200, 20, () => { using var s = torch.NewDisposeScope(); loader.Next().Dispose(); });
        using var policy = new DiffusionPolicy(config, normalizers);
        var groups = Mimicry.Training.Optim.FlatParameterGroup.Create(policy.Network);
        using var opt = new Mimicry.Training.Optim.FlatAdamW(groups, 1e-4);
        using var gen = new Generator(0);
        double stepS = Measure.BestOf(5, 1, () =>
        {
            using var s = torch.NewDisposeScope();
            using var b = loader.Next();
            opt.ZeroGrad();
            var loss = policy.ComputeLoss(b, gen).Loss;
            loss.backward();
            opt.Step();
        });
        foreach (var g in groups) g.Dispose();
        return new { sampler_batch_256_ms = Math.Round(batchS * 1000, 4), train_step_batch_256_unet_64_128_256_ms = Math.Round(stepS * 1000, 1), ratio = Math.Round(stepS / batchS) };
    }
}
