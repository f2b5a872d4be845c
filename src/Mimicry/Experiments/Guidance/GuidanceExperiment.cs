using System.Globalization;
using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Training;
using ScottPlot;

namespace Mimicry.Experiments.Guidance;

/// <summary>Budget and grid of the mode-steering experiment on the fork task.</summary>
public sealed record GuidanceOptions
{
    /// <summary>A registered policy that takes a droppable condition (<see cref="PolicyEntry.Guidance"/>); null: the first such.</summary>
    public string? Policy { get; init; }
    public int Demonstrations { get; init; } = 200;
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 128;
    public double Lr { get; init; } = 1e-3;
    public double ConditionDropout { get; init; } = 0.1;
    /// <summary>Overrides of the run config beyond the policy's fork arm (<c>key=value</c>).</summary>
    public string[] Settings { get; init; } = [];
    public double[] Scales { get; init; } = [0, 1, 1.5, 2, 3, 5];
    public int EvalEpisodes { get; init; } = 50;
    public long EvalSeedStart { get; init; } = EvalOptions.DefaultFirstSeed;
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
    /// <summary>The policies that can be guided: those whose entry declares <see cref="PolicyEntry.Guidance"/>.</summary>
    public static IEnumerable<PolicyEntry> Guidable => PolicyRegistry.All.Where(e => e.Guidance != null);

    /// <summary>The trained arm: the policy's fork arm with the demonstrator's side as a condition dropped with p = condition_dropout, one variant per (scale, side).</summary>
    public static Arm Plan(GuidanceOptions o)
    {
        if (o.Demonstrations < 1 || o.Steps < 1 || o.BatchSize < 1 || o.ForkSamples < 1 || o.LatencyCalls < 1)
            throw new ArgumentException("--steps, demonstrations, batch, fork samples and latency calls must be >= 1");
        if (o.Scales.Length == 0) throw new ArgumentException("--scales: give at least one scale");
        new EvalOptions(o.EvalEpisodes, o.EvalSeedStart).Validate();
        var entry = o.Policy == null ? Guidable.FirstOrDefault() ?? throw new InvalidOperationException("no registered policy takes a guidance condition")
            : Guidable.FirstOrDefault(e => e.Name == o.Policy) ?? throw new ArgumentException($"--policy must be one that takes a condition ({string.Join(" or ", Guidable.Select(e => e.Name))}), got '{o.Policy}'");
        var train = ForkSampling.Training(o.Steps, o.BatchSize, o.Lr, o.Seed);
        var task = Tasks.Get(Tasks.Fork);
        var fork = entry.ForkArmOrDefault(task.ObservationKey);
        var config = ConfigJson.WithOverrides(new RunConfig { Task = task.Name, Dataset = "(generated)", Train = fork.Train(train), Policy = fork.Config() },
            [$"policy.condition={ForkExpert.SideKey}", string.Create(CultureInfo.InvariantCulture, $"policy.condition_dropout={o.ConditionDropout}"), .. o.Settings]);
        config.Validate();
        var variants = Cells(o).Select(((double s, int side) cell) =>
        {
            var (s, side) = cell;
            var acting = new List<string> { string.Create(CultureInfo.InvariantCulture, $"policy.guidance_scale={s}"), $"policy.condition_value=[{side}]" };
            if (o.GuidanceInterval != null) acting.Add($"policy.guidance_interval=[{string.Join(",", o.GuidanceInterval.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]");
            return new ActingVariant(string.Create(CultureInfo.InvariantCulture, $"s{s}-{(side < 0 ? "left" : "right")}"), $"s = {s}, asking {(side < 0 ? "left" : "right")}", [.. acting]);
        }).ToList();
        return new Arm(entry.Name, config, variants).Checked();
    }

    /// <summary>The grid: every scale, asking left (-1) then right (+1).</summary>
    private static IEnumerable<(double Scale, int Side)> Cells(GuidanceOptions o) => o.Scales.SelectMany(s => new[] { -1, 1 }.Select(side => (s, side)));

    public static GuidanceResult Run(GuidanceOptions o, string outDir, Action<string>? log = null)
    {
        var arm = Plan(o);
        IO.AtomicFile.EnsureWritableFolder(outDir);
        var data = ForkExpert.Demonstrations(o.Demonstrations, o.Seed);
        var progress = log == null ? (Runtime.IProgressDisplay)Runtime.NoProgress.Instance : new Runtime.LogProgress(log, TimeSpan.FromSeconds(10));
        var run = ExperimentRunner.TrainOrReuse(arm.Config, () => data, Path.Combine(outDir, arm.Id), log, display: progress);
        log?.Invoke($"{arm.Id}: trained {run.Step} steps with {ForkExpert.SideKey} as a droppable condition in {run.ElapsedSeconds:F0} s");

        var samples = new Dictionary<double, (double X, double Y)[]>();
        var latency = new Dictionary<string, double>();
        var task = Tasks.Get(Tasks.Fork);
        var cellOf = arm.Variants.Zip(Cells(o)).ToDictionary(x => x.First.Id, x => x.Second);
        var cells = ExperimentRunner.EvaluateVariants(run.Dir, arm.Variants, (variant, _, p) =>
        {
            var (s, side) = cellOf[variant.Id];
            var crossing = new double?[o.EvalEpisodes];
            var eval = progress.Run($"evaluating {variant.Row}", o.EvalEpisodes * task.Spec.MaxSteps, reporter => Evaluator.Run(p, task.Create,
                new EvalOptions(o.EvalEpisodes, o.EvalSeedStart, SamplingSeed: o.Seed), progress: reporter,
                onStep: (i, env) => { var pos = ((ForkEnv)env).Position; if (crossing[i] == null && pos.Y >= 0) crossing[i] = pos.X; }));
            double left = crossing.Count(x => x < 0) / (double)o.EvalEpisodes, right = crossing.Count(x => x > 0) / (double)o.EvalEpisodes;
            var fork = ForkSampling.Sample(p, o.ForkSamples, o.Seed, out var points);
            if (side == -1) samples[s] = points;
            var cell = new GuidanceCell(s, side, side < 0 ? left : right, eval.SuccessRate, left, right, fork);
            log?.Invoke($"{variant.Row}: adherence {cell.Adherence:P0}, success {cell.SuccessRate:P0} (passed left {left:P0}, right {right:P0})");
            if (side == -1 && (s == 1 || s == o.Scales.Where(x => x != 0 && x != 1).DefaultIfEmpty(3).Max()))
                latency[$"s={s}"] = ChunkLatency.Measure(p, 1, o.LatencyCalls).P50Ms;
            return cell;
        });
        var result = new GuidanceResult(arm.Id, cells, latency, run.ElapsedSeconds);
        DrawAdherence(result, Path.Combine(outDir, "adherence.png"));
        DrawSamples(o, samples, cells, Path.Combine(outDir, "fork_samples.png"));
        GuidanceReport.Write(outDir, o, result);
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
        ReportWriter.Png(path, plt, 800, 500);
    }

    private static void DrawSamples(GuidanceOptions o, Dictionary<double, (double X, double Y)[]> samples, List<GuidanceCell> cells, string path)
    {
        var multi = new Multiplot();
        multi.RemovePlot(multi.GetPlot(0));
        foreach (var (s, pts) in samples)
        {
            var plt = new Plot();
            ForkSampling.AddTask(plt);
            var sc = plt.Add.ScatterPoints(pts.Select(p => p.X).ToArray(), pts.Select(p => p.Y).ToArray());
            sc.Color = Colors.RoyalBlue.WithAlpha(0.5);
            sc.MarkerSize = 5;
            var cell = cells.First(c => c.Scale == s && c.Side == -1);
            plt.Title($"s = {s}, asking left: left {cell.Samples.Left:P0}, right {cell.Samples.Right:P0}");
            multi.AddPlot(plt);
        }
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        ReportWriter.Png(path, multi, 330 * samples.Count, 380);
    }
}
