using Mimicry.Evaluation;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Generative;
using Mimicry.IO;
using Mimicry.Policies;
using Mimicry.Policies.Diffusion;
using Mimicry.Policies.Flow;
using Mimicry.Training;
using ScottPlot;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Numerics;
using Mimicry.Configuration;
using Mimicry.Experiments.Multimodal;

namespace Mimicry.Experiments.Guidance;

/// <summary>Budget and grid of the mode-steering experiment on the fork task.</summary>
public sealed record GuidanceOptions
{
    /// <summary>diffusion or flow: both take the condition the same way.</summary>
    public string Policy { get; init; } = "diffusion";
    public int Demonstrations { get; init; } = 200;
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 128;
    public double Lr { get; init; } = 1e-3;
    public double ConditionDropout { get; init; } = 0.1;
    public int[] DownDims { get; init; } = [32, 64, 128];
    public double[] Scales { get; init; } = [0, 1, 1.5, 2, 3, 5];
    public int EvalEpisodes { get; init; } = 50;
    public long EvalSeedStart { get; init; } = 100000;
    public int Seed { get; init; } = 0;
    public int ForkSamples { get; init; } = 200;
    /// <summary>Guide only on these noise levels [lo, hi] (policy.guidance_interval); null: every step.</summary>
    public double[]? GuidanceInterval { get; init; }
    /// <summary>Batch-1 chunk predictions timed per scale for the latency figure.</summary>
    public int LatencyCalls { get; init; } = 30;
}

/// <summary>One (scale, requested side) cell: how many rollouts passed on the requested side, and succeeded.</summary>
public sealed record GuidanceCell(double Scale, int Side, double Adherence, double SuccessRate, double PassedLeft, double PassedRight, ForkSamples Samples);

public sealed record GuidanceResult(string Policy, IReadOnlyList<GuidanceCell> Cells, IReadOnlyDictionary<string, double> LatencyP50MsBatch1, double TrainSeconds);

/// <summary>
/// Classifier-free guidance as a mode selector (Ho &amp; Salimans 2022): a policy trained on the fork's
/// demonstrations with the side the demonstrator took as a droppable condition (p = 0.1), then asked for
/// one side at guidance scales s. Adherence: the share of rollouts that pass the obstacle on the requested
/// side (their x when they first reach the obstacle's height y = 0). s = 0 is the unconditional model and
/// should split about 50/50.
/// </summary>
public static class GuidanceExperiment
{
    public static GuidanceResult Run(GuidanceOptions o, string outDir, Action<string>? log = null)
    {
        Directory.CreateDirectory(outDir);
        var data = ForkExpert.Demonstrations(o.Demonstrations, o.Seed);
        var train = new TrainConfig
        {
            Steps = o.Steps, BatchSize = o.BatchSize, Lr = o.Lr, WarmupSteps = Math.Min(100, o.Steps / 10), ValFraction = 0,
            LogEvery = Math.Max(1, o.Steps / 10), CheckpointEvery = o.Steps, Seed = o.Seed + 1, Threads = 1,
        };
        PolicyConfig policy = o.Policy switch
        {
            "diffusion" => new DiffusionConfig
            {
                ObservationKey = FeatureKeys.State, DownDims = o.DownDims, Sampler = SamplerKind.Ddim, NumInferenceSteps = 10,
                Condition = ForkExpert.SideKey, ConditionDropout = o.ConditionDropout,
            },
            "flow" => new FlowConfig { ObservationKey = FeatureKeys.State, DownDims = o.DownDims, Condition = ForkExpert.SideKey, ConditionDropout = o.ConditionDropout },
            _ => throw new ArgumentException($"--policy must be diffusion or flow, got '{o.Policy}'"),
        };
        var config = new RunConfig { Task = Tasks.Fork, Dataset = "(generated)", Train = train, Policy = policy };
        string run = Path.Combine(outDir, o.Policy);
        if (Directory.Exists(run)) Directory.Delete(run, true);
        double trainSeconds;
        using (var trainer = new Trainer(config, data, run))
        {
            trainer.Run();
            trainSeconds = trainer.ElapsedSeconds;
        }
        log?.Invoke($"{o.Policy}: trained {o.Steps} steps with {ForkExpert.SideKey} as a droppable condition in {trainSeconds:F0} s");

        var cells = new List<GuidanceCell>();
        var samples = new Dictionary<double, (double X, double Y)[]>();
        var latency = new Dictionary<string, double>();
        foreach (double s in o.Scales)
        {
            foreach (int side in new[] { -1, 1 })
            {
                var acting = new List<string> { $"policy.guidance_scale={s}", $"policy.condition_value=[{side}]" };
                if (o.GuidanceInterval != null) acting.Add($"policy.guidance_interval=[{string.Join(",", o.GuidanceInterval.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]");
                var (_, p) = Checkpoint.Load(run, acting: [.. acting]);
                using (p)
                {
                    var crossing = new double?[o.EvalEpisodes];
                    var eval = Evaluator.Run(p, () => new ForkEnv(), new EvalOptions(o.EvalEpisodes, o.EvalSeedStart, SamplingSeed: o.Seed),
                        onStep: (i, env) => { var pos = ((ForkEnv)env).Position; if (crossing[i] == null && pos.Y >= 0) crossing[i] = pos.X; });
                    double left = crossing.Count(x => x < 0) / (double)o.EvalEpisodes, right = crossing.Count(x => x > 0) / (double)o.EvalEpisodes;
                    var fork = MultimodalExperiment.SampleAtFork(p, o.ForkSamples, o.Seed, out var points);
                    if (side == -1) samples[s] = points;
                    var cell = new GuidanceCell(s, side, side < 0 ? left : right, eval.SuccessRate, left, right, fork);
                    cells.Add(cell);
                    log?.Invoke($"s = {s}, asking {(side < 0 ? "left" : "right")}: adherence {cell.Adherence:P0}, success {cell.SuccessRate:P0} (passed left {left:P0}, right {right:P0})");
                    if (side == -1 && (s == 1 || s == o.Scales.Where(x => x != 0 && x != 1).DefaultIfEmpty(3).Max()))
                        latency[$"s={s}"] = ChunkLatency.Measure(p, 1, o.LatencyCalls).P50Ms;
                }
            }
        }
        var result = new GuidanceResult(o.Policy, cells, latency, trainSeconds);
        DrawAdherence(result, Path.Combine(outDir, "adherence.png"));
        DrawSamples(o, samples, cells, Path.Combine(outDir, "fork_samples.png"));
        return result;
    }

    private static void DrawAdherence(GuidanceResult r, string path)
    {
        var plt = new Plot();
        var scales = r.Cells.Select(c => c.Scale).Distinct().ToArray();
        double Mean(double s, Func<GuidanceCell, double> f) => r.Cells.Where(c => c.Scale == s).Average(f);
        var adherence = plt.Add.Scatter(scales, scales.Select(s => Mean(s, c => c.Adherence)).ToArray());
        adherence.LegendText = "adherence (passed on the requested side)";
        adherence.LineWidth = 2;
        var success = plt.Add.Scatter(scales, scales.Select(s => Mean(s, c => c.SuccessRate)).ToArray());
        success.LegendText = "success";
        success.LineWidth = 2;
        plt.Axes.SetLimitsY(0, 1.05);
        plt.XLabel("guidance scale s (0: unconditional, 1: conditional)");
        plt.YLabel("fraction of rollouts (mean of asking left and asking right)");
        plt.Title($"{r.Policy} on the fork, guided toward one side");
        plt.ShowLegend(Alignment.LowerRight);
        AtomicFile.Write(path, tmp => plt.SavePng(tmp, 800, 500));
    }

    private static void DrawSamples(GuidanceOptions o, Dictionary<double, (double X, double Y)[]> samples, List<GuidanceCell> cells, string path)
    {
        var multi = new Multiplot();
        multi.RemovePlot(multi.GetPlot(0));
        foreach (var (s, pts) in samples)
        {
            var plt = new Plot();
            MultimodalExperiment.AddTask(plt);
            var sc = plt.Add.ScatterPoints(pts.Select(p => p.X).ToArray(), pts.Select(p => p.Y).ToArray());
            sc.Color = Colors.RoyalBlue.WithAlpha(0.5);
            sc.MarkerSize = 5;
            var cell = cells.First(c => c.Scale == s && c.Side == -1);
            plt.Title($"s = {s}, asking left: left {cell.Samples.Left:P0}, right {cell.Samples.Right:P0}");
            multi.AddPlot(plt);
        }
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.Write(path, tmp => multi.SavePng(tmp, 330 * samples.Count, 380));
    }
}
