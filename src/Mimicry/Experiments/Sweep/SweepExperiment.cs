using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Runtime;
using Mimicry.Training;

namespace Mimicry.Experiments.Sweep;

/// <summary>What a sweep trains: a policy's registered sweep (or a <c>--vary</c> grid), under one budget.</summary>
public sealed record SweepOptions
{
    public required string Policy { get; init; }
    /// <summary>Start every row from this preset (default: the policy's published defaults and training settings).</summary>
    public string? Preset { get; init; }
    public required string Dataset { get; init; }
    /// <summary>Training steps of every row (the shared budget); null: the config's.</summary>
    public int? Steps { get; init; }
    /// <summary>Settings shared by every row (<c>key=value</c>).</summary>
    public string[] Shared { get; init; } = [];
    /// <summary>Axes <c>KEY=V1,V2,...</c> whose product replaces the registered rows; empty: the registered sweep.</summary>
    public string[] Vary { get; init; } = [];
    /// <summary>Training seeds per row (train.seed, train.seed + 1, ...).</summary>
    public int Seeds { get; init; } = 1;
    public EvalOptions Eval { get; init; } = new();
    /// <summary>Which weights each row acts with: <see cref="WeightsChoice.Both"/> adds, for every row trained with EMA, the
    /// same runs acted with their trained weights (row NAME-raw: the row without EMA, at no training cost).</summary>
    public WeightsChoice Weights { get; init; } = WeightsChoice.Acting;
}

/// <summary>
/// The fair-baseline rule (<c>mimicry sweep POLICY</c>): every setting of the sweep is trained on the same data, for the
/// same steps and seeds, and evaluated on the same seeds; all rows are reported, the best is named, and the loss curves are
/// drawn together. A finished row is reused (same config), a partly trained one resumed, so a killed sweep continues.
/// </summary>
public static class SweepExperiment
{
    /// <summary>Trains and evaluates every row into <paramref name="dir"/>; null when cancelled (the same call continues).</summary>
    public static EvalReport? Run(SweepOptions o, string dir, Action<string>? log = null, IProgressDisplay? display = null, CancellationToken cancel = default)
    {
        var entry = PolicyRegistry.Get(o.Policy);
        var baseConfig = o.Preset is { } p ? Presets.Get(p).Config : new RunConfig { Policy = entry.Defaults(), Train = entry.TrainDefaults() };
        if (baseConfig.Policy.Name != entry.Name) throw new ArgumentException($"--preset {o.Preset} is a {baseConfig.Policy.Name} preset, not {entry.Name}");
        baseConfig = baseConfig with { Dataset = o.Dataset };
        if (o.Steps is { } s) baseConfig = baseConfig with { Train = baseConfig.Train with { Steps = s } };
        o.Eval.Validate();
        if (o.Seeds < 1) throw new ArgumentException($"--seeds must be >= 1, got {o.Seeds}");
        // Every row's config first: a bad setting fails before hours of training.
        var varied = o.Vary.Select(v => v.Split('=')[0].Trim()).GroupBy(k => k).FirstOrDefault(g => g.Count() > 1);
        if (varied != null) throw new ArgumentException($"--vary {varied.Key} is given twice: give its values once, comma-separated (--vary {varied.Key}=V1,V2,...)");
        IReadOnlyList<(string Name, string[] Overrides)> grid = o.Vary.Length > 0 ? PolicyEntry.Grid([.. o.Vary.Select(PolicyEntry.Axis)]) : entry.Sweep;
        if (grid.GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two rows would share the name and folder '{twice.Key}': give values that differ in more than punctuation");
        if (grid.Count == 0) throw new ArgumentException($"{entry.Name} has no registered sweep: give the rows with --vary KEY=V1,V2,...");
        var rows = grid.Select(row => (row.Name, Config: ConfigJson.WithOverrides(baseConfig, [.. o.Shared, .. row.Overrides]), row.Overrides)).ToList();
        foreach (var row in rows) row.Config.Validate();
        var data = DatasetLoader.Load(baseConfig.Dataset);
        // One run per (row, seed); with one seed the run is named as its row.
        var runs = rows.SelectMany(row => Enumerable.Range(0, o.Seeds).Select(k =>
        {
            int seed = row.Config.Train.Seed + k;
            var config = RunSetup.FitToDataset(row.Config with { Train = row.Config.Train with { Seed = seed } }, data, task: null, log);
            return (Row: row.Name, Name: o.Seeds == 1 ? row.Name : $"{row.Name}_s{seed}", Config: config);
        })).ToList();
        IO.AtomicFile.EnsureWritableFolder(dir);
        for (int i = 0; i < runs.Count; i++)
        {
            log?.Invoke($"== {i + 1}/{runs.Count} {runs[i].Name}");
            ExperimentRunner.TrainOrReuse(runs[i].Config, () => data, Path.Combine(dir, runs[i].Name), log, cancel, display);
            if (cancel.IsCancellationRequested) return null;
        }
        EvalReport report;
        var targets = runs.SelectMany(x => RunEvaluation.WithWeights(new EvalTarget(Path.Combine(dir, x.Name), x.Name, []), o.Weights)
            .Select(t => (x.Row, x.Name, Target: t))).ToList();
        try { report = RunEvaluation.Evaluate(targets.Select(t => t.Target).ToList(), o.Eval, "cpu", gif: false, dir, log, display, cancel); }
        catch (OperationCanceledException) { return null; } // every row is trained and kept: the same command evaluates
        // A raw-weights row is its EMA row's runs acted without the average: its own row, the same training folders.
        var reported = targets.GroupBy(t => (t.Row, t.Target.RawWeights)).Select(g =>
        {
            var row = rows.First(r => r.Name == g.Key.Row);
            return (Name: g.Key.RawWeights ? row.Name + RunEvaluation.RawSuffix : row.Name,
                Overrides: g.Key.RawWeights ? [.. row.Overrides, "(raw weights: no EMA)"] : row.Overrides, Runs: g.Select(t => t.Target.Name).ToArray());
        }).ToList();
        var folders = targets.ToDictionary(t => t.Target.Name, t => t.Name);
        SweepReport.Write(dir, entry.Name, reported, report, folders);
        return report;
    }
}
