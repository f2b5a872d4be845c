using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;
using Mimicry.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Numerics;
using Mimicry.Envs.PushT;
using Mimicry.Configuration;

namespace Mimicry.Bench;

/// <summary>
/// The training step of Diffusion Policy's U-Net at batch 256 on real Push-T batches, split into data,
/// forward+backward, optimizer and EMA, for Mimicry's flat AdamW + EMA beside the per-tensor step it replaced
/// (TorchSharp's AdamW and an EMA of two ops per tensor). Steps/s are timed without synchronizing between
/// phases; the split comes from a second pass that synchronizes at each phase boundary (on CUDA).
/// <code>dotnet run -c Release --project bench/Mimicry.Bench -- train-step [--device cuda] [--steps 30] [--out FILE]</code>
/// Beside it on a GPU: ../shared/reference-bench/gpu_bench.py (DP's own ConditionalUnet1D + EMAModel + AdamW).
/// </summary>
public static class TrainStepBench
{
    public static int Run(BenchArgs args)
    {
        var device = Devices.Parse(args.String("device", "cpu"));
        int steps = (int)args.Long("steps", device.type == DeviceType.CUDA ? 200 : 20), warmup = (int)args.Long("warmup", 3), batch = (int)args.Long("batch", 256);
        int threads = (int)args.Long("threads", 0);
        if (threads > 0) torch.set_num_threads(threads);
        var unets = args.String("unets", "small,paper").Split(',');
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", device.type == DeviceType.CUDA ? "train-step-cuda.json" : "train-step.json"));
        var data = PushTImport.FromZarr(Path.Combine(BenchArgs.RepoRoot, "data", "pusht", "pusht_cchi_v7_replay.zarr"));
        var results = new Dictionary<string, object>
        {
            ["bench"] = "train-step", ["date"] = DateTime.UtcNow.ToString("u"), ["device"] = device.ToString(),
            ["torch_threads"] = torch.get_num_threads(), ["batch"] = batch, ["timed_steps"] = steps, ["warmup_steps"] = warmup,
            ["machine"] = $"{Environment.ProcessorCount} cores",
        };
        foreach (var unet in unets)
        {
            int[] dims = unet switch { "small" => [32, 64, 128], "paper" => [256, 512, 1024], "medium" => [64, 128, 256], _ => throw new ArgumentException($"--unets: {unet} (small, medium, paper)") };
            var r = new Dictionary<string, object>();
            foreach (var optimizer in new[] { "torchsharp_adamw", "flat_adamw" })
            {
                var m = Step(data, dims, optimizer, device, batch, steps, warmup);
                r[optimizer] = m;
                Console.WriteLine($"[{string.Join(",", dims)}] {optimizer}: {string.Join(", ", m.Select(kv => $"{kv.Key}={kv.Value}"))}");
            }
            r["speedup_steps_per_s"] = Math.Round((double)((Dictionary<string, object>)r["flat_adamw"])["steps_per_s"] / (double)((Dictionary<string, object>)r["torchsharp_adamw"])["steps_per_s"], 3);
            results[$"unet_{string.Join("_", dims)}"] = r;
        }
        BenchArgs.Write(output, results);
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    private static Dictionary<string, object> Step(EpisodeDataset data, int[] dims, string optimizer, Device device, int batch, int steps, int warmup)
    {
        torch.manual_seed(0);
        var config = new DiffusionConfig { DownDims = dims };
        var normalizers = PolicyNormalizers.From(data.Stats!, config);
        using var policy = new DiffusionPolicy(config, normalizers, device);
        using var averaged = policy.CreateNetwork();
        var loader = new BatchLoader(data, Enumerable.Range(0, data.Episodes).ToArray(), config.TrainingWindow, normalizers.All(), batch, 0, device);
        var train = new TrainConfig();
        using var gen = new Generator(0);
        Action zero, update, ema;
        IDisposable[] owned;
        if (optimizer == "flat_adamw")
        {
            var groups = FlatParameterGroup.Create(policy.Network);
            var adamw = new FlatAdamW(groups, train.Lr, train.Beta1, train.Beta2, train.AdamEps, train.WeightDecay);
            var emaFlat = new Ema(averaged, policy.Network, groups, train);
            (zero, update, ema) = (adamw.ZeroGrad, () => { adamw.LearningRate = train.Lr; adamw.Step(); }, emaFlat.Step);
            owned = [adamw, emaFlat, .. groups];
        }
        else
        {
            var adamw = optim.AdamW(policy.Network.parameters(), train.Lr, train.Beta1, train.Beta2, train.AdamEps, train.WeightDecay);
            var pairs = averaged.parameters().Zip(policy.Network.parameters()).ToArray();
            foreach (var (e, _) in pairs) e.requires_grad = false;
            long emaStep = 0;
            (zero, update) = (() => adamw.zero_grad(), () => { foreach (var g in adamw.ParamGroups) g.LearningRate = train.Lr; adamw.step(); });
            ema = () =>
            {
                double decay = 1 - Math.Pow(1 + emaStep++, -0.75);
                using var noGrad = torch.no_grad();
                foreach (var (e, p) in pairs) { e.mul_(decay); e.add_(p, alpha: 1 - decay); }
            };
            owned = [adamw];
        }
        try
        {
            void OneStep(Stopwatch? sw, double[] phase)
            {
                using var scope = torch.NewDisposeScope();
                Mark(sw, phase, -1, device);
                using var b = loader.Next();
                Mark(sw, phase, 0, device);
                zero();
                var loss = policy.ComputeLoss(b, gen).Loss;
                loss.backward();
                Mark(sw, phase, 1, device);
                update();
                Mark(sw, phase, 2, device);
                ema();
                Mark(sw, phase, 3, device);
                loss.item<float>();
            }
            var split = new double[4];
            for (int i = 0; i < warmup; i++) OneStep(null, split);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) OneStep(null, split);
            double stepsPerSecond = steps / clock.Elapsed.TotalSeconds;
            var phaseClock = new Stopwatch();
            int splitSteps = Math.Max(3, steps / 2);
            for (int i = 0; i < splitSteps; i++) OneStep(phaseClock, split);
            return new Dictionary<string, object>
            {
                ["parameters"] = policy.ParameterCount(),
                ["steps_per_s"] = Math.Round(stepsPerSecond, 3),
                ["step_ms"] = Math.Round(1000 / stepsPerSecond, 2),
                ["data_ms"] = Math.Round(1000 * split[0] / splitSteps, 2),
                ["forward_backward_ms"] = Math.Round(1000 * split[1] / splitSteps, 2),
                ["optimizer_ms"] = Math.Round(1000 * split[2] / splitSteps, 2),
                ["ema_ms"] = Math.Round(1000 * split[3] / splitSteps, 2),
            };
        }
        finally { foreach (var d in owned) d.Dispose(); }
    }

    /// <summary>Adds the time since the last mark to <paramref name="phase"/>[k] (k = -1 starts), synchronizing a GPU first.</summary>
    private static void Mark(Stopwatch? sw, double[] phase, int k, Device device)
    {
        if (sw == null) return;
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
        if (k >= 0) phase[k] += sw.Elapsed.TotalSeconds;
        sw.Restart();
    }
}
