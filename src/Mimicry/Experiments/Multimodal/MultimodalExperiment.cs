using Mimicry.Evaluation;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Generative;
using Mimicry.IO;
using Mimicry.Policies;
using Mimicry.Policies.Act;
using Mimicry.Policies.Bc;
using Mimicry.Policies.Diffusion;
using Mimicry.Policies.Flow;
using Mimicry.Policies.Tokens;
using Mimicry.Training;
using ScottPlot;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Numerics;

namespace Mimicry.Experiments.Multimodal;

/// <summary>Budget of the fork comparison (BC against the generative policies).</summary>
public sealed record MultimodalOptions
{
    /// <summary>Policies trained, in this order: bc, diffusion, flow, act (evaluated with z = 0 and z ~ N(0, I)), tokens (greedy and sampled).</summary>
    public string[] Policies { get; init; } = ["diffusion", "bc"];
    public int Demonstrations { get; init; } = 200;
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 128;
    /// <summary>Learning rate of the MLP and U-Net policies.</summary>
    public double Lr { get; init; } = 1e-3;
    /// <summary>The transformers' learning rate (ACT, tokens): 3e-4 with clipping is a sensible small-model setting; 1e-3 is the MLP's and U-Net's.</summary>
    public double ActLr { get; init; } = 3e-4;
    public int EvalEpisodes { get; init; } = 50;
    /// <summary>First evaluation seed; demonstrations use seeds 0..Demonstrations-1, so keep them apart.</summary>
    public long EvalSeedStart { get; init; } = 100000;
    public int Seed { get; init; } = 0;
    /// <summary>Action chunks sampled at the fork for the samples plot.</summary>
    public int ForkSamples { get; init; } = 200;
    public int[] DiffusionDownDims { get; init; } = [32, 64, 128];
    public int[] BcHiddenDims { get; init; } = [256, 256, 256];
    /// <summary>ACT's width (D; feed-forward 4D, 4 heads, 2 encoder and 2 CVAE-encoder layers, 1 decoder layer, chunk 16).</summary>
    public int ActDimModel { get; init; } = 128;
    public double ActKlWeight { get; init; } = 10;
}

/// <summary>Where sampled actions land at the fork: fractions left (x &lt; -0.1), right (x &gt; 0.1) and in the middle.</summary>
public sealed record ForkSamples(double Left, double Middle, double Right, double MeanX, int StepIndex);

/// <summary>One evaluated row: a trained policy acting one way (<paramref name="Acting"/>: acting overrides, e.g. ACT's latent).</summary>
public sealed record MultimodalPolicyResult(string Policy, EvalResult Eval, ForkSamples Samples, IReadOnlyList<string>? Acting = null, double TrainSeconds = 0, long Parameters = 0);

/// <summary>
/// The seed's first lesson, measured: on the fork task, demonstrations go left or right of the obstacle
/// 50/50. Behaviour cloning (MSE) averages them and walks into it; Diffusion Policy samples one side.
/// Trains every requested policy with the same trainer, data and step budget, evaluates all on the same
/// seeds, and draws the demonstrations and rollouts over the task, and the actions each predicts at the
/// fork. ACT is acted twice from one training run: z = 0 (ACT's choice) and z ~ N(0, I), to see whether its
/// latent chooses a side or z = 0 averages.
/// </summary>
public static class MultimodalExperiment
{
    /// <summary>A trained policy and the ways it is evaluated (row name, acting overrides).</summary>
    private sealed record Entry(string Name, RunConfig Config, (string Row, string[] Acting)[] Variants);

    private static IReadOnlyList<Entry> Plan(MultimodalOptions o, TrainConfig train)
    {
        var run = new RunConfig { Task = Tasks.Fork, Dataset = "(generated)", Train = train, Policy = new BcConfig() };
        Entry Single(string name, PolicyConfig policy, TrainConfig? t = null) => new(name, run with { Policy = policy, Train = t ?? train }, [(name, [])]);
        return o.Policies.Select(name => name switch
        {
            "bc" => Single("bc", new BcConfig { ObservationKey = FeatureKeys.State, HiddenDims = o.BcHiddenDims }),
            "diffusion" => Single("diffusion", new DiffusionConfig { ObservationKey = FeatureKeys.State, DownDims = o.DiffusionDownDims, Sampler = SamplerKind.Ddim, NumInferenceSteps = 10 }),
            "flow" => Single("flow", new FlowConfig { ObservationKey = FeatureKeys.State, DownDims = o.DiffusionDownDims, NumInferenceSteps = 10 }),
            "act" => new Entry("act", run with
            {
                Policy = new ActConfig
                {
                    ObservationKey = FeatureKeys.State, RobotStateDim = 2, Horizon = 16, NActionSteps = 8,
                    DimModel = o.ActDimModel, DimFeedforward = 4 * o.ActDimModel, NHeads = 4, NEncoderLayers = 2, NVaeEncoderLayers = 2, KlWeight = o.ActKlWeight,
                },
                Train = train with { Lr = o.ActLr, GradClipNorm = 10, UseEma = false }, // ACT trains without EMA (LeRobot)
            }, [("act (z = 0)", ["policy.latent=zero"]), ("act (z ~ N(0, I))", ["policy.latent=prior"])]),
            // Tokens: 64 uniform bins (the fork's ±1.2 range at ~0.04 per bin), greedy decoding (RT-2, OpenVLA) and sampled at temperature 1.
            "tokens" => new Entry("tokens", run with
            {
                Policy = new ActionTokensConfig { ObservationKey = FeatureKeys.State, Tokenizer = TokenizerKind.Bins, Bins = 64, EmbedDim = 64, NLayer = 2, NHead = 4, Horizon = 9, NActionSteps = 8 },
                Train = train with { Lr = o.ActLr, GradClipNorm = 1, UseEma = false },
            }, [("tokens (greedy)", ["policy.temperature=0"]), ("tokens (T = 1)", ["policy.temperature=1"])]),
            _ => throw new ArgumentException($"--policies: unknown policy '{name}' (bc, diffusion, flow, act, tokens)"),
        }).ToList();
    }

    public static IReadOnlyList<MultimodalPolicyResult> Run(MultimodalOptions o, string outDir, Action<string>? log = null)
    {
        Directory.CreateDirectory(outDir);
        var train = new TrainConfig
        {
            Steps = o.Steps, BatchSize = o.BatchSize, Lr = o.Lr, WarmupSteps = Math.Min(100, o.Steps / 10), ValFraction = 0,
            LogEvery = Math.Max(1, o.Steps / 10), CheckpointEvery = o.Steps, Seed = o.Seed + 1,
            Threads = 1, // small networks: one thread is nearly as fast and never oversubscribes the machine
        };
        var plan = Plan(o, train); // unknown names fail before any training
        var data = ForkExpert.Demonstrations(o.Demonstrations, o.Seed);
        log?.Invoke($"{data.Episodes} demonstrations, {data.Frames} frames");

        var results = new List<MultimodalPolicyResult>();
        var rollouts = new Dictionary<string, List<(double X, double Y)>[]>();
        var samplePoints = new Dictionary<string, (double X, double Y)[]>();
        foreach (var entry in plan)
        {
            string run = Path.Combine(outDir, entry.Name);
            if (Directory.Exists(run)) Directory.Delete(run, true);
            double trainSeconds;
            using (var trainer = new Trainer(entry.Config, data, run))
            {
                trainer.Run();
                trainSeconds = trainer.ElapsedSeconds;
            }
            log?.Invoke($"{entry.Name}: trained {o.Steps} steps in {trainSeconds:F0} s");
            foreach (var (row, acting) in entry.Variants)
            {
                var (_, policy) = Checkpoint.Load(run, acting: acting);
                using (policy)
                {
                    var paths = Enumerable.Range(0, o.EvalEpisodes).Select(_ => new List<(double, double)>()).ToArray();
                    var eval = Evaluator.Run(policy, () => new ForkEnv(), new EvalOptions(o.EvalEpisodes, o.EvalSeedStart, SamplingSeed: o.Seed),
                        onStep: (i, env) => paths[i].Add(((ForkEnv)env).Position));
                    rollouts[row] = paths;
                    var samples = SampleAtFork(policy, o.ForkSamples, o.Seed, out var points);
                    results.Add(new MultimodalPolicyResult(row, eval, samples, acting.Length > 0 ? acting : null, trainSeconds, policy.ParameterCount()));
                    log?.Invoke($"{row}: success {eval.SuccessRate:P0}; samples at the fork left {samples.Left:P0}, middle {samples.Middle:P0}, right {samples.Right:P0}");
                    samplePoints[row] = points;
                }
            }
        }
        DrawRollouts(data, rollouts, results, Path.Combine(outDir, "rollouts.png"));
        DrawSamples(results, samplePoints, Path.Combine(outDir, "fork_samples.png"));
        return results;
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
    private static readonly Color[] Palette = [Colors.RoyalBlue, Colors.Red, Colors.DarkOrange, Colors.SeaGreen, Colors.Purple, Colors.Brown];

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
        AtomicFile.Write(path, tmp => multi.SavePng(tmp, 500 * panels.Count, 520));
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
