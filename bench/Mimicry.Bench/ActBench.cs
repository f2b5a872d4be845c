using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Policies.Act;
using Mimicry.Training;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Envs.PushT;
using Mimicry.Configuration;
using Mimicry.Experiments.Compare;

namespace Mimicry.Bench;

/// <summary>
/// ACT speed and memory on this machine, beside LeRobot's own ACT timed by ../shared/reference-bench/bench_reference.py
/// (same configurations: LeRobot's ACTConfig defaults with chunk 100, and chunk 16 with 8 executed; float32;
/// synthetic batches; AdamW at LeRobot's lr 1e-5 and weight decay 1e-4 with gradient clipping at 10 as its train
/// loop does). Train step at batch 8 and 64, chunk prediction at batch 1, each as seconds and as GFLOP/s of the
/// matrix products (<see cref="ActNetwork.ForwardFlops"/>, training = 3× forward) against this run's 1024³ matmul
/// peak; then live tensors and RSS over a long training run through the real Trainer (<c>--memory-only</c>: that run alone).
/// Observation: 20 values (Push-T's 9 block keypoints and the agent), robot state 2, so the environment state is 18
/// wide where LeRobot's bench feeds 16: one 18×512 projection against 16×512, under 0.01 % of the FLOPs.
/// </summary>
public static class ActBench
{
    public static int Run(BenchArgs args)
    {
        int threads = (int)args.Long("threads", 2), repeats = (int)args.Long("repeats", 3), trainSteps = (int)args.Long("train-steps", 10);
        long memorySteps = args.Long("memory-steps", 5_000);
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "act.json"));
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        double peak = MatmulPeak.Gflops();
        Console.WriteLine($"matmul peak (1024³, {threads} threads): {peak:F1} GFLOP/s");
        var results = new Dictionary<string, object>
        {
            ["bench"] = "act",
            ["date"] = DateTime.UtcNow.ToString("u"),
            ["git_revision"] = Provenance.Current().GitRevision,
            ["torch_threads"] = threads,
            ["repeats_best_of"] = repeats,
            ["timed_train_steps_per_repeat"] = trainSteps,
            ["matmul_peak_gflops"] = Math.Round(peak, 1),
        };
        var data = PushTImport.FromZarr(Path.Combine(BenchArgs.RepoRoot, "data", "pusht", "pusht_cchi_v7_replay.zarr"));
        bool memoryOnly = args.String("memory-only", "false") == "true"; // --memory-only: the long training run alone
        var configs = memoryOnly ? [] : new[] { ("default_chunk100", 100, 100, new[] { 8, 64 }), ("chunk16", 16, 8, new[] { 64 }) };
        foreach (var (name, chunk, executed, batches) in configs)
        {
            var config = new ActConfig { ObservationKey = FeatureKeys.Keypoints, Horizon = chunk, NActionSteps = executed };
            var normalizers = PolicyNormalizers.From(data.Stats!, config);
            var r = new Dictionary<string, object>();
            foreach (int batch in batches)
            {
                torch.manual_seed(1);
                using var policy = new ActPolicy(config, normalizers);
                policy.Network.train();
                r["parameters"] = policy.ParameterCount();
                using var opt = optim.AdamW(policy.Network.parameters(), 1e-5, weight_decay: 1e-4);
                using var gen = new Generator(0);
                var batchesData = Enumerable.Range(0, 4).Select(_ => SyntheticBatch(batch, chunk)).ToArray();
                int it = 0;
                void Step()
                {
                    using var scope = torch.NewDisposeScope();
                    var loss = policy.ComputeLoss(batchesData[it++ % batchesData.Length], gen).Loss;
                    loss.backward();
                    nn.utils.clip_grad_norm_(policy.Network.parameters(), 10);
                    opt.step();
                    opt.zero_grad();
                    loss.item<float>();
                }
                double best = Measure.BestOf(repeats, 3, () => { for (int i = 0; i < trainSteps; i++) Step(); }) / trainSteps;
                double flops = 3 * ActNetwork.ForwardFlops(config, 2, 18, 2, batch, training: true);
                r[$"train_step_batch_{batch}_s"] = Math.Round(best, 4);
                r[$"train_step_batch_{batch}_gflops"] = Math.Round(flops / best / 1e9, 1);
                r[$"train_step_batch_{batch}_fraction_of_peak"] = Math.Round(flops / best / 1e9 / peak, 3);
                foreach (var b in batchesData) b.Dispose();
            }
            torch.manual_seed(0);
            using (var acting = new ActPolicy(config, normalizers))
            {
                acting.Network.eval();
                using var gen = new Generator(0);
                var obs = torch.rand(1, 1, 20) * 400 + 50;
                double best = Measure.BestOf(repeats, 1, () => { for (int i = 0; i < 50; i++) { using var s = torch.NewDisposeScope(); acting.PredictActionChunk(obs, gen); } }) / 50;
                double flops = ActNetwork.ForwardFlops(config, 2, 18, 2, 1, training: false);
                r["chunk_batch_1_ms"] = Math.Round(1000 * best, 2);
                r["chunk_batch_1_gflops"] = Math.Round(flops / best / 1e9, 2);
            }
            results[name] = r;
            Console.WriteLine($"{name}: {string.Join(", ", r.Select(kv => $"{kv.Key}={kv.Value}"))}");
        }
        results["memory"] = Memory(data, memorySteps);
        BenchArgs.Write(output, results);
        return 0;
    }

    private static Batch SyntheticBatch(int b, int chunk) => new(
        new Dictionary<string, Tensor> { [FeatureKeys.Keypoints] = torch.rand(b, 1, 20) * 2 - 1, [FeatureKeys.Action] = torch.rand(b, chunk, 2) * 2 - 1 },
        new Dictionary<string, Tensor> { [FeatureKeys.Keypoints] = torch.zeros(b, 1, dtype: ScalarType.Bool), [FeatureKeys.Action] = torch.zeros(b, chunk, dtype: ScalarType.Bool) });

    /// <summary>A small ACT trained through the real Trainer on Push-T for many steps: live tensors and RSS along the way.</summary>
    private static object Memory(EpisodeDataset data, long steps)
    {
        var config = new RunConfig
        {
            Dataset = "bundled",
            Policy = new ActConfig { ObservationKey = FeatureKeys.Keypoints, Horizon = 16, NActionSteps = 8, DimModel = 64, DimFeedforward = 256, NHeads = 4, NEncoderLayers = 2, NVaeEncoderLayers = 2 },
            Train = new TrainConfig { Steps = (int)steps, BatchSize = 32, LogEvery = 1000, CheckpointEvery = (int)steps, ValFraction = 0, UseEma = false },
        };
        return Measure.TrainingMemory(config, data, "mimicry-bench-act-memory");
    }
}
