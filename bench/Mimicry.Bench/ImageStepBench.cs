using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Data.Sampling;
using Mimicry.Nn.Vision;
using Mimicry.Policies;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;
using Mimicry.Configuration;
using Mimicry.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Bench;

/// <summary>
/// The image Diffusion Policy's training step (flat AdamW + EMA, as the trainer) at DP's batch 64 on real Push-T batches from a
/// v3.0 dataset with video (loader, decoding and crops included), for three sizes: the paper's (ResNet-18 + U-Net [512, 1024,
/// 2048]), ResNet-18 with a small U-Net, and the CPU preset's (half-width ResNet + small U-Net); plus the loader alone and the
/// batch-1 chunk latency (DDPM-100). Beside it: bench/reference/lerobot_image_step.py times LeRobot's own port of DP's image
/// policy (its DiffusionRgbEncoder and DiffusionConditionalUnet1d) on the same machine.
///   dotnet run -c Release --project bench/Mimicry.Bench -- image-step --dataset DIR [--steps 10] [--configs paper,resnet18-small,cpu]
/// </summary>
public static class ImageStepBench
{
    public static int Run(BenchArgs args)
    {
        string root = args.String("dataset", "");
        if (root == "") { Console.Error.WriteLine("--dataset DIR: Push-T with images (mimicry dataset import ZARR DIR --images)"); return 2; }
        int steps = (int)args.Long("steps", 10), warmup = (int)args.Long("warmup", 3), batch = (int)args.Long("batch", 64);
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "image-step.json"));
        var data = LeRobotDataset.Load(root);
        var results = new Dictionary<string, object>
        {
            ["bench"] = "image-step", ["date"] = DateTime.UtcNow.ToString("u"), ["machine"] = $"{Environment.ProcessorCount} cores",
            ["torch_threads"] = torch.get_num_threads(), ["batch"] = batch, ["timed_steps"] = steps,
            ["command"] = "dotnet run -c Release --project bench/Mimicry.Bench -- image-step --dataset DIR",
        };
        foreach (var name in args.String("configs", "paper,resnet18-small,cpu").Split(','))
        {
            var (widths, dims) = name switch
            {
                "paper" => (new[] { 64, 128, 256, 512 }, new[] { 512, 1024, 2048 }),
                "resnet18-small" => ([64, 128, 256, 512], [64, 128, 256]),
                "cpu" => ([32, 64, 128, 256], [64, 128, 256]),
                _ => throw new ArgumentException($"--configs: {name} (paper, resnet18-small, cpu)"),
            };
            var config = new DiffusionConfig
            {
                ObservationKey = FeatureKeys.State, ObservationComponents = [0, 1], ImageKeys = [FeatureKeys.Image],
                Vision = new VisionConfig { Widths = widths }, DownDims = dims, DiffusionStepEmbedDim = 128,
            };
            var r = Step(data, config, batch, steps, warmup);
            Console.WriteLine($"{name}: {string.Join(", ", r.Select(kv => $"{kv.Key}={kv.Value}"))}");
            results[name] = r;
        }
        BenchArgs.Write(output, results);
        return 0;
    }

    private static Dictionary<string, object> Step(EpisodeDataset data, DiffusionConfig config, int batch, int steps, int warmup)
    {
        torch.manual_seed(0);
        var normalizers = PolicyNormalizers.From(data.Stats!, config);
        using var policy = new DiffusionPolicy(config, normalizers);
        using var averaged = policy.CreateNetwork();
        var loader = new BatchLoader(data, Enumerable.Range(0, data.Episodes).ToArray(), config.TrainingWindow, normalizers.All(), batch, 0);
        var train = new TrainConfig();
        var groups = FlatParameterGroup.Create(policy.Network);
        using var adamw = new FlatAdamW(groups, train.Lr, train.Beta1, train.Beta2, train.AdamEps, train.WeightDecay);
        using var ema = new Ema(averaged, policy.Network, groups, train);
        using var gen = new Generator(0);
        double dataSeconds = 0;
        void OneStep()
        {
            using var scope = torch.NewDisposeScope();
            var sw = Stopwatch.StartNew();
            using var b = loader.Next();
            dataSeconds += sw.Elapsed.TotalSeconds;
            adamw.ZeroGrad();
            var loss = policy.ComputeLoss(b, gen).Loss;
            loss.backward();
            adamw.Step();
            ema.Step();
            loss.item<float>();
        }
        // Warm every episode's frames into the cache first: the steady state of a training run (the first epoch decodes once).
        if (data.ImageSource(FeatureKeys.Image) is Mimicry.Data.Video.VideoFrames v) Parallel.For(0, data.Episodes, e => v.Episode(e));
        for (int i = 0; i < warmup; i++) OneStep();
        dataSeconds = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) OneStep();
        double seconds = clock.Elapsed.TotalSeconds;
        // Batch-1 chunk latency with DDPM-100, the paper's sampler.
        var (p50, p95) = Mimicry.Evaluation.ChunkLatency.Measure(policy, 1, 3);
        foreach (var g in groups) g.Dispose();
        return new Dictionary<string, object>
        {
            ["vision_widths"] = config.Vision.Widths, ["down_dims"] = config.DownDims,
            ["parameters"] = policy.ParameterCount(),
            ["encoder_parameters"] = policy.Network.named_parameters().Where(p => p.name.StartsWith("encoders.")).Sum(p => p.parameter.numel()),
            ["steps_per_s"] = Math.Round(steps / seconds, 3),
            ["step_ms"] = Math.Round(1000 * seconds / steps, 1),
            ["loader_ms_per_batch"] = Math.Round(1000 * dataSeconds / steps, 2),
            ["chunk_latency_ddpm100_batch1_ms"] = new { p50 = Math.Round(p50, 1), p95 = Math.Round(p95, 1) },
        };
    }
}
