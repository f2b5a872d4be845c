using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Training;
using ScottPlot;

namespace Mimicry.Experiments.Multimodal;

/// <summary>Budget of the fork comparison (BC against the generative policies).</summary>
public sealed record MultimodalOptions
{
    /// <summary>Registered policies trained, in this order, each with its entry's fork arm (<see cref="PolicyEntry.Fork"/>:
    /// its config, training changes and acting variants). Null: the first registered policy and the baseline (diffusion and BC).</summary>
    public string[]? Policies { get; init; }
    public int Demonstrations { get; init; } = 200;
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 128;
    /// <summary>The shared learning rate (a fork arm may change it: the transformers train at 3e-4).</summary>
    public double Lr { get; init; } = 1e-3;
    public int EvalEpisodes { get; init; } = 50;
    /// <summary>First evaluation seed; demonstrations use seeds 0..Demonstrations-1, so keep them apart.</summary>
    public long EvalSeedStart { get; init; } = EvalOptions.DefaultFirstSeed;
    public int Seed { get; init; } = 0;
    /// <summary>Action chunks sampled at the fork for the samples plot.</summary>
    public int ForkSamples { get; init; } = 200;
    /// <summary>Per-policy overrides of the run config (<c>--set act:policy.kl_weight=1</c>): policy name → <c>key=value</c> list.</summary>
    public IReadOnlyDictionary<string, string[]> Settings { get; init; } = new Dictionary<string, string[]>();

    public void Validate()
    {
        if (Demonstrations < 1) throw new ArgumentException($"--demos must be >= 1, got {Demonstrations}");
        if (Steps < 1 || BatchSize < 1) throw new ArgumentException($"--steps and --batch must be >= 1, got {Steps} and {BatchSize}");
        if (!(Lr > 0) || !double.IsFinite(Lr)) throw new ArgumentException($"--lr must be finite and > 0, got {Lr}");
        if (ForkSamples < 1) throw new ArgumentException($"fork samples must be >= 1, got {ForkSamples}");
        new EvalOptions(EvalEpisodes, EvalSeedStart).Validate();
    }

    /// <summary>The policies run: <see cref="Policies"/>, or the first registered one and the baseline.</summary>
    public IReadOnlyList<string> PolicyNames => Policies ??
        [PolicyRegistry.All[0].Name, .. PolicyRegistry.All.Where(e => e.Baseline && e != PolicyRegistry.All[0]).Select(e => e.Name).Take(1)];
}

/// <summary>One evaluated row: a trained policy acting one way (<paramref name="Acting"/>: acting overrides, e.g. ACT's latent).</summary>
public sealed record MultimodalPolicyResult(string Policy, EvalResult Eval, ForkSamples Samples, IReadOnlyList<string>? Acting = null, double TrainSeconds = 0, long Parameters = 0);

/// <summary>
/// The seed's first lesson, measured: on the fork task, demonstrations go left or right of the obstacle
/// 50/50. Behaviour cloning (MSE) averages them and walks into it; Diffusion Policy samples one side.
/// Trains every requested policy with the same trainer, data and step budget, evaluates all on the same
/// seeds, and draws the demonstrations and rollouts over the task, and the actions each predicts at the
/// fork. A policy's entry says how it is acted (ACT: z = 0 and z ~ N(0, I), to see whether its latent chooses a side).
/// </summary>
public static class MultimodalExperiment
{
    /// <summary>The shared training settings of every arm (before its fork arm changes them).</summary>
    public static TrainConfig Train(MultimodalOptions o) => ForkSampling.Training(o.Steps, o.BatchSize, o.Lr, o.Seed);

    /// <summary>One arm per requested policy; unknown names and bad settings fail here, before any training.</summary>
    public static IReadOnlyList<Arm> Plan(MultimodalOptions o)
    {
        o.Validate();
        var unknown = o.Settings.Keys.Where(k => !o.PolicyNames.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"--set {unknown[0]}:...: '{unknown[0]}' is not among the policies run ({string.Join(", ", o.PolicyNames)})");
        var task = Tasks.Get(Tasks.Fork);
        return o.PolicyNames.Select(name =>
        {
            var entry = PolicyRegistry.All.FirstOrDefault(e => e.Name == name)
                ?? throw new ArgumentException($"--policies: unknown policy '{name}' ({string.Join(", ", PolicyRegistry.Names)})");
            var fork = entry.ForkArmOrDefault(task.ObservationKey);
            var config = new RunConfig { Task = task.Name, Dataset = "(generated)", Train = fork.Train(Train(o)), Policy = fork.Config() };
            if (o.Settings.TryGetValue(name, out var settings)) config = ConfigJson.WithOverrides(config, settings);
            return new Arm(name, config, fork.Variants).Checked();
        }).ToList();
    }

    /// <summary>Trains (or reuses) every arm, evaluates every variant, draws the figures and writes report.md and report.json.</summary>
    public static IReadOnlyList<MultimodalPolicyResult> Run(MultimodalOptions o, string outDir, Action<string>? log = null)
    {
        var plan = Plan(o);
        IO.AtomicFile.EnsureWritableFolder(outDir);
        var data = ForkExpert.Demonstrations(o.Demonstrations, o.Seed);
        log?.Invoke($"{data.Episodes} demonstrations, {data.Frames} frames");

        var results = new List<MultimodalPolicyResult>();
        var rollouts = new Dictionary<string, List<(double X, double Y)>[]>();
        var samplePoints = new Dictionary<string, (double X, double Y)[]>();
        var task = Tasks.Get(Tasks.Fork);
        var progress = log == null ? null : new Runtime.LogProgress(log, TimeSpan.FromSeconds(10)); // a line at least every 10 s
        foreach (var arm in plan)
        {
            var run = ExperimentRunner.TrainOrReuse(arm.Config, () => data, Path.Combine(outDir, arm.Id), log, display: progress);
            log?.Invoke($"{arm.Id}: trained {run.Step} steps in {run.ElapsedSeconds:F0} s");
            results.AddRange(ExperimentRunner.EvaluateVariants(run.Dir, arm.Variants, (variant, _, policy) =>
            {
                var paths = Enumerable.Range(0, o.EvalEpisodes).Select(_ => new List<(double, double)>()).ToArray();
                var eval = (progress ?? (Runtime.IProgressDisplay)Runtime.NoProgress.Instance).Run($"evaluating {variant.Row}", o.EvalEpisodes * task.Spec.MaxSteps,
                    p => Evaluator.Run(policy, task.Create, new EvalOptions(o.EvalEpisodes, o.EvalSeedStart, SamplingSeed: o.Seed), progress: p,
                        onStep: (i, env) => paths[i].Add(((ForkEnv)env).Position)));
                rollouts[variant.Row] = paths;
                var samples = ForkSampling.Sample(policy, o.ForkSamples, o.Seed, out var points);
                samplePoints[variant.Row] = points;
                log?.Invoke($"{variant.Row}: success {eval.SuccessRate:P0}; samples at the fork left {samples.Left:P0}, middle {samples.Middle:P0}, right {samples.Right:P0}");
                return new MultimodalPolicyResult(variant.Row, eval, samples, variant.Acting.Length > 0 ? variant.Acting : null, run.ElapsedSeconds, policy.ParameterCount());
            }));
        }
        DrawRollouts(data, rollouts, results, Path.Combine(outDir, "rollouts.png"));
        DrawSamples(results, samplePoints, Path.Combine(outDir, "fork_samples.png"));
        MultimodalReport.Write(outDir, o, results);
        return results;
    }

    /// <summary>One colour per policy, in the order they were run.</summary>
    private static readonly Color[] Palette = [Colors.RoyalBlue, Colors.Red, Colors.DarkOrange, Colors.SeaGreen, Colors.Purple, Colors.Brown];

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
            ForkSampling.AddTask(plt);
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
        ReportWriter.Png(path, multi, 500 * panels.Count, 520);
    }

    private static void DrawSamples(List<MultimodalPolicyResult> results, Dictionary<string, (double X, double Y)[]> samplePoints, string path)
    {
        var plt = new Plot();
        ForkSampling.AddTask(plt);
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
        ReportWriter.Png(path, plt, 700, 700);
    }
}
