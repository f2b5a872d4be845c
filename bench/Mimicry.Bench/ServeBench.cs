using System.Diagnostics;
using Mimicry.Envs;
using Mimicry.Evaluation;
using Mimicry.Numerics;
using Mimicry.Serving.Client;
using Mimicry.Serving.Server;
using Mimicry.Serving.Wire;
using Mimicry.Training.Checkpoints;
using TorchSharp;

namespace Mimicry.Bench;

/// <summary>
/// The policy server on loopback (issue 29), client and server in this one process:
/// 1. load: N clients (32) each sending a request as soon as its last one is answered, for S seconds (60), against the
///    batched server (--max-batch 32) and an unbatched one (1): p50 / p99 round trip, chunks/s, RSS each second;
/// 2. Push-T through the server at the control rate (10 Hz, an episode per connection, all at once, chunks requested in the
///    background) beside the in-process evaluation of the same checkpoint with sampling seeds 0, 1, 2;
/// 3. with --flow, a flow run served at 10 Hz with each chunk merge (latest, average, weighted) and real-time chunking:
///    score and the action jump at chunk boundaries.
/// <c>dotnet run -c Release --project bench/Mimicry.Bench -- serve --run RUN [--flow RUN] [--clients 32] [--seconds 60] [--episodes 50]</c>
/// </summary>
public static class ServeBench
{
    private static TorchSharp.torch.Device _device = TorchSharp.torch.CPU;

    public static int Run(BenchArgs args)
    {
        string run = args.String("run", "");
        if (run.Length == 0) throw new ArgumentException("--run RUN: a trained chunking policy (e.g. runs/quickstart/diffusion)");
        string? flow = args.String("flow", "") is { Length: > 0 } f ? f : null;
        int clients = (int)args.Long("clients", 32), seconds = (int)args.Long("seconds", 60), episodes = (int)args.Long("episodes", 50);
        double rate = args.Long("rate", 10);
        // Acting overrides for the Push-T part, in process and served alike (e.g. policy.sampler=ddim|policy.num_inference_steps=10).
        var acting = args.String("acting", "").Split('|', StringSplitOptions.RemoveEmptyEntries);
        bool load = args.String("skip-load", "false") != "true";
        _device = Numerics.Devices.Parse(args.String("device", "cpu"), "--device");
        bool pushT = args.String("skip-pusht", "false") != "true";
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "serve.json"));
        var result = new Dictionary<string, object?>
        {
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            ["run"] = run,
            ["device"] = args.String("device", "cpu"),
            ["command"] = "dotnet run -c Release --project bench/Mimicry.Bench -- serve " + string.Join(' ', Environment.GetCommandLineArgs().Skip(2)),
        };
        if (load)
        {
            var batched = Load(run, clients, seconds, maxBatch: 32);
            var unbatched = Load(run, clients, seconds, maxBatch: 1);
            result["load_batched"] = batched;
            result["load_unbatched"] = unbatched;
            result["throughput_ratio_batched_over_unbatched"] = Math.Round((double)batched["chunks_per_s"]! / (double)unbatched["chunks_per_s"]!, 2);
            BenchArgs.Write(output, result);
        }
        if (!pushT) return 0;
        result["acting"] = acting;
        result["pusht"] = PushT(run, episodes, rate, [(ChunkMerge.Latest, false)], acting);
        BenchArgs.Write(output, result);
        if (flow != null)
        {
            result["pusht_flow_merges"] = PushT(flow, episodes, rate, [(ChunkMerge.Latest, false), (ChunkMerge.Average, false), (ChunkMerge.Weighted, false), (ChunkMerge.Latest, true)], []);
            BenchArgs.Write(output, result);
        }
        return 0;
    }

    private static Dictionary<string, object?> Load(string run, int clients, int seconds, int maxBatch)
    {
        var (config, policy) = Checkpoint.Load(run, _device);
        using var _ = policy;
        var options = new ServeOptions(Port: 0, MaxBatch: maxBatch, MaxClients: Math.Max(64, clients));
        using var service = new PolicyService(policy, options);
        var server = PolicyServer.StartAsync(service, options, config.Task).GetAwaiter().GetResult();
        // The mean observation window of the training data, as every client's request (the cost does not depend on the values).
        using var mean = ChunkLatency.MeanWindow(policy, 1); // (1, To, Do)
        var window = mean.contiguous().data<float>().ToArray();
        var request = new Dictionary<string, object?> { [config.Policy.ObservationKey] = NdArray.Float32(window, mean.shape[1], mean.shape[2]) };
        var latencies = new List<double>();
        var rss = new List<double>();
        var stop = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var sampler = Task.Run(async () =>
        {
            while (stop.Elapsed < deadline)
            {
                using var self = Process.GetCurrentProcess();
                lock (rss) rss.Add(self.WorkingSet64 / 1048576.0);
                await Task.Delay(1000);
            }
        });
        var workers = Enumerable.Range(0, clients).Select(async _ =>
        {
            await using var client = await PolicyClient.ConnectAsync(server.Address);
            var mine = new List<double>();
            while (stop.Elapsed < deadline) mine.Add((await client.InferAsync(request)).RoundTripMs);
            lock (latencies) latencies.AddRange(mine);
        }).ToArray();
        Task.WaitAll(workers);
        double wall = stop.Elapsed.TotalSeconds;
        sampler.Wait();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var sorted = latencies.Order().ToArray();
        double p50 = Statistics.Quantile(sorted, 0.5), p99 = Statistics.Quantile(sorted, 0.99);
        var row = new Dictionary<string, object?>
        {
            ["max_batch"] = maxBatch,
            ["clients"] = clients,
            ["seconds"] = Math.Round(wall, 1),
            ["chunks"] = sorted.Length,
            ["chunks_per_s"] = Math.Round(sorted.Length / wall, 1),
            ["p50_ms"] = Math.Round(p50, 1),
            ["p99_ms"] = Math.Round(p99, 1),
            ["p99_over_p50"] = Math.Round(p99 / p50, 2),
            ["network_calls"] = service.Batches,
            ["requests_per_call"] = Math.Round(service.Requests / (double)Math.Max(1, service.Batches), 1),
            ["rss_mb_at_10s"] = rss.Count > 10 ? Math.Round(rss[10], 0) : null,
            ["rss_mb_end"] = rss.Count > 0 ? Math.Round(rss[^1], 0) : null,
            ["rss_mb_max"] = rss.Count > 0 ? Math.Round(rss.Max(), 0) : null,
            ["rss_mb_per_second"] = rss.Select(r => Math.Round(r, 0)).ToArray(),
        };
        Console.WriteLine($"max batch {maxBatch}: {row["chunks_per_s"]} chunks/s, p50 {row["p50_ms"]} ms, p99 {row["p99_ms"]} ms, {row["requests_per_call"]} per call");
        return row;
    }

    /// <summary>In-process evaluations (sampling seeds 0-2) and served ones at the control rate, one row per merge mode.</summary>
    private static Dictionary<string, object?> PushT(string run, int episodes, double rate, (ChunkMerge Merge, bool Rtc)[] modes, string[] acting)
    {
        var (config, probe) = Checkpoint.Load(run, _device, acting: acting);
        probe.Dispose();
        var task = Tasks.Get(config.Task);
        var local = new List<object>();
        for (int s = 0; s < 3; s++)
        {
            var (_, policy) = Checkpoint.Load(run, _device, acting: acting);
            using (policy)
            {
                var r = Evaluator.Run(policy, task.Create, new EvalOptions(episodes, SamplingSeed: s));
                local.Add(new { sampling_seed = s, avg_max_reward = Math.Round(r.AvgMaxReward, 3), success = Math.Round(r.SuccessRate, 3),
                    boundary_jump_mean = Math.Round(r.Actions!.MeanBoundaryChange, 2), boundary_jump_p99 = Math.Round(r.Actions.P99BoundaryChange, 2) });
                Console.WriteLine($"in process, sampling seed {s}: {r.AvgMaxReward:F3}");
            }
        }
        var served = new List<object>();
        foreach (var (merge, rtc) in modes)
        {
            var (_, policy) = Checkpoint.Load(run, _device, acting: acting);
            using var _p = policy;
            var options = new ServeOptions(Port: 0, MaxBatch: 64, MaxClients: Math.Max(64, episodes));
            using var service = new PolicyService(policy, options);
            var server = PolicyServer.StartAsync(service, options, config.Task).GetAwaiter().GetResult();
            var r = ServedEvaluation.RunAsync(server.Address, new ClientOptions(config.Task, episodes, RateHz: rate, Merge: merge, Rtc: rtc)).GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            served.Add(new
            {
                merge = r.Merge, rtc = r.Rtc, rate_hz = rate, avg_max_reward = Math.Round(r.AvgMaxReward, 3), success = Math.Round(r.SuccessRate, 3),
                latency_p50_ms = Math.Round(r.LatencyP50Ms, 1), latency_p99_ms = Math.Round(r.LatencyP99Ms, 1), infer_p50_ms = Math.Round(r.InferP50Ms, 1),
                mean_batch = Math.Round(r.MeanBatch, 1), requests = r.Requests, boundary_jump_mean = Math.Round(r.BoundaryJumpMean, 2),
                boundary_jump_p99 = Math.Round(r.BoundaryJumpP99, 2), change_mean = Math.Round(r.ChangeMean, 2), stalled_steps = r.StallSteps, seconds = Math.Round(r.WallSeconds, 1),
            });
            Console.WriteLine($"served at {rate} Hz, {r.Merge}{(rtc ? " + rtc" : "")}: {r.AvgMaxReward:F3}, jump {r.BoundaryJumpMean:F2}, p50 {r.LatencyP50Ms:F1} ms, {r.StallSteps} stalls");
        }
        var scores = local.Select(l => (double)l.GetType().GetProperty("avg_max_reward")!.GetValue(l)!).ToArray();
        return new Dictionary<string, object?>
        {
            ["run"] = run, ["policy"] = config.Policy.Name, ["episodes"] = episodes, ["first_seed"] = EvalOptions.DefaultFirstSeed,
            ["in_process"] = local, ["in_process_min"] = scores.Min(), ["in_process_max"] = scores.Max(), ["served"] = served,
        };
    }
}
