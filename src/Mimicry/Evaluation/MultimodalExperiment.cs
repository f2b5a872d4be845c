using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Generative;
using Mimicry.IO;
using Mimicry.Policies;
using Mimicry.Policies.Bc;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;
using ScottPlot;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Evaluation;

/// <summary>Budget of the BC-versus-diffusion comparison on the fork task.</summary>
public sealed record MultimodalOptions
{
    public int Demonstrations { get; init; } = 200;
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 128;
    public double Lr { get; init; } = 1e-3;
    public int EvalEpisodes { get; init; } = 50;
    /// <summary>First evaluation seed; demonstrations use seeds 0..Demonstrations-1, so keep them apart.</summary>
    public long EvalSeedStart { get; init; } = 100000;
    public int Seed { get; init; } = 0;
    /// <summary>Action chunks sampled at the fork for the samples plot.</summary>
    public int ForkSamples { get; init; } = 200;
    public int[] DiffusionDownDims { get; init; } = [32, 64, 128];
    public int[] BcHiddenDims { get; init; } = [256, 256, 256];
}

/// <summary>Where sampled actions land at the fork: fractions left (x &lt; -0.1), right (x &gt; 0.1) and in the middle.</summary>
public sealed record ForkSamples(double Left, double Middle, double Right, double MeanX, int StepIndex);

public sealed record MultimodalPolicyResult(string Policy, EvalResult Eval, ForkSamples Samples);

/// <summary>
/// The seed's first lesson, measured: on the fork task, demonstrations go left or right of the obstacle
/// 50/50. Behaviour cloning (MSE) averages them and walks into it; Diffusion Policy samples one side.
/// Trains both with the same trainer, data and budget, evaluates both on the same seeds, and draws the
/// demonstrations and rollouts over the task, and the actions both predict at the fork.
/// </summary>
public static class MultimodalExperiment
{
    public static (MultimodalPolicyResult Diffusion, MultimodalPolicyResult Bc) Run(MultimodalOptions o, string outDir, Action<string>? log = null)
    {
        Directory.CreateDirectory(outDir);
        var data = ForkExpert.Demonstrations(o.Demonstrations, o.Seed);
        log?.Invoke($"{data.Episodes} demonstrations, {data.Frames} frames");
        var train = new TrainConfig
        {
            Steps = o.Steps, BatchSize = o.BatchSize, Lr = o.Lr, WarmupSteps = Math.Min(100, o.Steps / 10), ValFraction = 0,
            LogEvery = Math.Max(1, o.Steps / 10), CheckpointEvery = o.Steps, Seed = o.Seed + 1,
            Threads = 1, // small networks: one thread is nearly as fast and never oversubscribes the machine
        };
        var diffusion = new RunConfig
        {
            Task = Tasks.Fork, Dataset = "(generated)", Train = train,
            Policy = new DiffusionConfig { ObservationKey = FeatureKeys.State, DownDims = o.DiffusionDownDims, Sampler = SamplerKind.Ddim, NumInferenceSteps = 10 },
        };
        var bc = diffusion with { Policy = new BcConfig { ObservationKey = FeatureKeys.State, HiddenDims = o.BcHiddenDims } };

        var results = new List<MultimodalPolicyResult>();
        var rollouts = new Dictionary<string, List<(double X, double Y)>[]>();
        var samplePoints = new Dictionary<string, (double X, double Y)[]>();
        foreach (var (name, config) in new[] { ("diffusion", diffusion), ("bc", bc) })
        {
            string run = Path.Combine(outDir, name);
            if (Directory.Exists(run)) Directory.Delete(run, true);
            using var trainer = new Trainer(config, data, run);
            trainer.Run();
            log?.Invoke($"{name}: trained {o.Steps} steps in {trainer.ElapsedSeconds:F0} s");
            var (_, policy) = Checkpoint.Load(run);
            using (policy)
            {
                var paths = Enumerable.Range(0, o.EvalEpisodes).Select(_ => new List<(double, double)>()).ToArray();
                var eval = Evaluator.Run(policy, () => new ForkEnv(), new EvalOptions(o.EvalEpisodes, o.EvalSeedStart, SamplingSeed: o.Seed),
                    onStep: (i, env) => paths[i].Add(((ForkEnv)env).Position));
                rollouts[name] = paths;
                var samples = SampleAtFork(policy, o.ForkSamples, o.Seed, out var points);
                results.Add(new MultimodalPolicyResult(name, eval, samples));
                log?.Invoke($"{name}: success {eval.SuccessRate:P0}; samples at the fork left {samples.Left:P0}, middle {samples.Middle:P0}, right {samples.Right:P0}");
                samplePoints[name] = points;
            }
        }
        DrawRollouts(data, rollouts, results, Path.Combine(outDir, "rollouts.png"));
        DrawSamples(results, samplePoints, Path.Combine(outDir, "fork_samples.png"));
        return (results[0], results[1]);
    }

    /// <summary>
    /// Samples action chunks from the start of the task (both observations at (0, -0.9)) and looks at the
    /// last executed action of each chunk, 8 steps out, where the demonstrations are already beside the obstacle.
    /// </summary>
    public static ForkSamples SampleAtFork(IPolicy policy, int n, int seed, out (double X, double Y)[] points)
    {
        if (policy is not IChunkingPolicy chunking) throw new NotSupportedException($"{policy.Config.Name} does not predict action chunks to sample at the fork");
        int to = policy.Config.NObsSteps, k = policy.Config.NActionSteps - 1;
        using var scope = torch.NewDisposeScope();
        var obs = torch.tensor(new float[] { 0, -0.9f }).reshape(1, 1, 2).expand(n, to, 2).contiguous();
        using var gen = new Generator((ulong)seed + 99);
        var actions = chunking.PredictChunk(obs, gen); // (n, H - To + 1, 2)
        var a = actions[.., k].contiguous().data<float>().ToArray();
        points = Enumerable.Range(0, n).Select(i => ((double)a[2 * i], (double)a[2 * i + 1])).ToArray();
        double left = points.Count(p => p.X < -0.1) / (double)n, right = points.Count(p => p.X > 0.1) / (double)n;
        return new ForkSamples(left, 1 - left - right, right, points.Average(p => p.X), k);
    }

    /// <summary>One colour per policy, in the order they were run.</summary>
    private static readonly Color[] Palette = [Colors.RoyalBlue, Colors.Red, Colors.DarkOrange, Colors.SeaGreen, Colors.Purple];

    public static void AddTask(Plot plt)
    {
        var obstacle = plt.Add.Circle(ForkEnv.ObstacleCenter.X, ForkEnv.ObstacleCenter.Y, ForkEnv.ObstacleRadius);
        obstacle.FillColor = Colors.LightSlateGray.WithAlpha(0.6);
        obstacle.LineColor = Colors.SlateGray;
        var goal = plt.Add.Circle(ForkEnv.Goal.X, ForkEnv.Goal.Y, ForkEnv.GoalRadius);
        goal.FillColor = Colors.LightGreen.WithAlpha(0.7);
        goal.LineColor = Colors.Green;
        plt.Axes.SetLimits(-1.0, 1.0, -1.0, 1.05);
        plt.Axes.SquareUnits();
    }

    private static void DrawRollouts(EpisodeDataset demos, Dictionary<string, List<(double X, double Y)>[]> rollouts, List<MultimodalPolicyResult> results, string path)
    {
        var panels = new List<(string Title, Color Color, IEnumerable<(double X, double Y)[]> Paths)>
        {
            ($"demonstrations ({demos.Episodes})", Colors.Gray, Enumerable.Range(0, Math.Min(60, demos.Episodes)).Select(e =>
            {
                var s = demos.Values(FeatureKeys.State);
                return Enumerable.Range((int)demos.EpisodeStart(e), demos.EpisodeLength(e)).Select(t => ((double)s[2 * t], (double)s[2 * t + 1])).ToArray();
            })),
        };
        for (int i = 0; i < results.Count; i++)
            panels.Add(($"{results[i].Policy}: {results[i].Eval.SuccessRate:P0} success", Palette[i % Palette.Length], rollouts[results[i].Policy].Select(p => p.ToArray())));
        var multi = new Multiplot();
        multi.RemovePlot(multi.GetPlot(0));
        foreach (var (title, color, paths) in panels)
        {
            var plt = new Plot();
            AddTask(plt);
            foreach (var p in paths)
            {
                var line = plt.Add.Scatter(p.Select(q => q.X).ToArray(), p.Select(q => q.Y).ToArray());
                line.Color = color.WithAlpha(0.5);
                line.MarkerSize = 0;
                line.LineWidth = 1.5f;
            }
            plt.Title(title);
            multi.AddPlot(plt);
        }
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.Write(path, tmp => multi.SavePng(tmp, 1500, 520));
    }

    private static void DrawSamples(List<MultimodalPolicyResult> results, Dictionary<string, (double X, double Y)[]> samplePoints, string path)
    {
        var plt = new Plot();
        AddTask(plt);
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var pts = samplePoints[r.Policy];
            var s = plt.Add.ScatterPoints(pts.Select(p => p.X).ToArray(), pts.Select(p => p.Y).ToArray());
            s.Color = Palette[i % Palette.Length].WithAlpha(0.6);
            s.MarkerSize = 5 + 7 * i / Math.Max(1, results.Count - 1); // later policies drawn larger (BC: one cluster)
            s.LegendText = $"{r.Policy}: left {r.Samples.Left:P0}, middle {r.Samples.Middle:P0}, right {r.Samples.Right:P0}";
        }
        var start = plt.Add.ScatterPoints(new[] { 0.0 }, new[] { -0.9 });
        start.Color = Colors.Black;
        start.MarkerSize = 8;
        start.LegendText = "start (observation)";
        plt.Title($"Action {results[0].Samples.StepIndex + 1} of each of {samplePoints.First().Value.Length} chunks sampled at the start");
        plt.ShowLegend(Alignment.UpperRight);
        AtomicFile.Write(path, tmp => plt.SavePng(tmp, 700, 700));
    }
}
