using System.Diagnostics;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Training;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Bench;

/// <summary>
/// What classifier-free guidance costs at batch 1: the same checkpoint acting unguided (s = 1, one pass of B)
/// and guided (s = 3, one batched pass of 2B), timed call for call in alternation so a slow spell of the machine
/// hits both, at 1 and 2 torch threads. Target (flow/CFG issue): guided ≤ 1.3× unguided.
/// <c>--interval lo,hi</c>: guidance only on those noise levels (policy.guidance_interval). <c>--runs A,B</c>: runs trained with a condition (e.g. <c>mimicry cfg-fork</c>'s diffusion and flow runs).
/// </summary>
public static class GuidanceBench
{
    public static int Run(BenchArgs args)
    {
        var runs = args.String("runs", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (runs.Length == 0) throw new ArgumentException("--runs DIR[,DIR...]: runs trained with a condition (mimicry cfg-fork)");
        int calls = (int)args.Long("calls", 200);
        double scale = double.Parse(args.String("scale", "3"), System.Globalization.CultureInfo.InvariantCulture);
        string interval = args.String("interval", ""); // e.g. 0.65,1: guidance only on those noise levels
        string output = args.String("out", Path.Combine(BenchArgs.RepoRoot, "bench", "results", "guidance.json"));
        var rows = new List<object>();
        foreach (int threads in new[] { 1, 2 })
        {
            torch.set_num_threads(threads);
            foreach (var run in runs)
            {
                var (config, plain) = Checkpoint.Load(run, acting: ["policy.guidance_scale=1", "policy.condition_value=[-1]"]);
                string[] guidedActing = [$"policy.guidance_scale={scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "policy.condition_value=[-1]",
                    .. interval.Length > 0 ? new[] { $"policy.guidance_interval=[{interval}]" } : []];
                var (_, guided) = Checkpoint.Load(run, acting: guidedActing);
                using (plain)
                using (guided)
                {
                    var (a, b) = Alternate((IChunkingPolicy)plain, (IChunkingPolicy)guided, calls);
                    var row = new
                    {
                        run = Path.GetFileName(Path.GetFullPath(run).TrimEnd('/')),
                        policy = config.Policy.Name,
                        sampler = LatencyBench.Sampler(config.Policy) ?? "",
                        torch_threads = threads,
                        unguided_p50_ms = Math.Round(a, 2),
                        guided_p50_ms = Math.Round(b, 2),
                        guidance_scale = scale,
                        guidance_interval = interval.Length > 0 ? interval : "every step",
                        ratio = Math.Round(b / a, 3),
                    };
                    Console.WriteLine(row);
                    rows.Add(row);
                }
            }
        }
        BenchArgs.Write(output, new { bench = "guidance", date = DateTime.UtcNow.ToString("u"), git_revision = Provenance.Current().GitRevision, batch = 1, calls, rows });
        return 0;
    }

    /// <summary>p50 of each policy's batch-1 chunk over <paramref name="calls"/> alternating calls (after 10 warm-up calls each).</summary>
    private static (double A, double B) Alternate(IChunkingPolicy a, IChunkingPolicy b, int calls)
    {
        using var obs = ChunkLatency.MeanWindow(a, 1);
        using var g = new Generator(0);
        for (int i = 0; i < 10; i++) { a.PredictChunk(obs, g).Dispose(); b.PredictChunk(obs, g).Dispose(); }
        var ta = new double[calls];
        var tb = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            var sw = Stopwatch.StartNew();
            a.PredictChunk(obs, g).Dispose();
            ta[i] = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            b.PredictChunk(obs, g).Dispose();
            tb[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(ta);
        Array.Sort(tb);
        return (ta[calls / 2], tb[calls / 2]);
    }
}
