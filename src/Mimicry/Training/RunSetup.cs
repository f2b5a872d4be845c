using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Policies;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Training;

/// <summary>
/// What <c>mimicry train</c> does before the first step: the dataset, the task it was recorded in, and a policy
/// config that reads what the dataset holds.
/// </summary>
public static class RunSetup
{
    /// <summary>Loads the dataset and fits the config to it (<see cref="FitToDataset"/>); the run folder is checked first.</summary>
    public static (RunConfig Config, EpisodeDataset Data) Prepare(RunConfig config, string run, bool resume, bool overwrite, string? task = null, Action<string>? note = null)
    {
        Trainer.CheckRunFolder(run, resume, overwrite);
        var dataset = DatasetLoader.Load(config.Dataset);
        config = FitToDataset(config, dataset, task, note);
        config.Validate();
        return (config, dataset);
    }

    /// <summary>
    /// The task comes from the dataset when it says (a conflicting <paramref name="task"/> is an error); a policy whose
    /// observation the dataset lacks switches to the task's observation when the dataset has that one (told through
    /// <paramref name="note"/>). Then the task's environment must observe what the policy reads and take actions of the
    /// dataset's size.
    /// </summary>
    public static RunConfig FitToDataset(RunConfig config, EpisodeDataset dataset, string? task, Action<string>? note = null)
    {
        string where = dataset.Source ?? config.Dataset;
        string? recorded = Tasks.Of(dataset);
        if (task != null && recorded != null && task != recorded)
            throw new ArgumentException($"--task {task}: dataset {where} holds {recorded} demonstrations");
        config = config with { Task = task ?? recorded ?? config.Task };
        var entry = Tasks.Get(config.Task);
        string key = config.Policy.ObservationKey;
        if (!dataset.Has(key))
        {
            if (!dataset.Has(entry.ObservationKey))
                throw new ArgumentException($"policy.observation_key '{key}': dataset {where} has no such feature (it has {string.Join(", ", dataset.Features.Select(f => f.Name))})");
            note?.Invoke($"note: dataset {where} has no '{key}'; using the {entry.Name} task's '{entry.ObservationKey}' (set policy.observation_key to choose)");
            config = config with { Policy = config.Policy with { ObservationKey = entry.ObservationKey } };
        }
        key = config.Policy.ObservationKey;
        var kind = ObservationKinds.Of(key);
        if (!entry.Spec.ObservationSizes.TryGetValue(kind, out int size) || size != dataset.Feature(key).Size)
            throw new ArgumentException($"dataset {where}: '{key}' has {dataset.Feature(key).Size} values per frame, but the {entry.Name} task observes " +
                (entry.Spec.ObservationSizes.ContainsKey(kind) ? $"{size}" : "no such thing") + $" (pass the task the dataset was recorded in with --task)");
        foreach (var camera in config.Policy.ImageKeys)
        {
            if (!dataset.Has(camera)) throw new ArgumentException($"policy.image_keys: dataset {where} has no camera '{camera}' (import Push-T with --images)");
            int pixels = dataset.Feature(camera).Size;
            if (!entry.Spec.ObservationSizes.TryGetValue(ObservationKinds.Of(camera), out int observed) || observed != pixels)
                throw new ArgumentException($"dataset {where}: camera '{camera}' has {pixels} values per frame, the {entry.Name} task renders " +
                    (entry.Spec.ObservationSizes.ContainsKey(ObservationKinds.Of(camera)) ? $"{observed}" : "no images"));
        }
        if (dataset.Feature(FeatureKeys.Action).Size != entry.Spec.ActionDim)
            throw new ArgumentException($"dataset {where}: actions have {dataset.Feature(FeatureKeys.Action).Size} values, the {entry.Name} task takes {entry.Spec.ActionDim}");
        return config;
    }
}

/// <summary>
/// What <c>mimicry train POLICY</c> was asked for, before it becomes a run config: where the config starts (a file, a
/// preset, the run's own saved config on resume, or the policy's defaults) and what the command line changes.
/// </summary>
public sealed record TrainRequest
{
    public required PolicyEntry Policy { get; init; }
    public required string Run { get; init; }
    public string? ConfigFile { get; init; }
    public string? Preset { get; init; }
    public bool Resume { get; init; }
    public bool Overwrite { get; init; }
    /// <summary><c>key=value</c> overrides (shorthands already expanded).</summary>
    public string[] Overrides { get; init; } = [];
    public string? Dataset { get; init; }
    /// <summary>The dataset when neither the request nor its config names one (the bundled Push-T demonstrations).</summary>
    public required Func<string> DefaultDataset { get; init; }
    public int? Steps { get; init; }
    /// <summary>train.minutes: a time budget the run fits its steps to (<see cref="TrainLength"/>).</summary>
    public double? Minutes { get; init; }
    public int? EvalEvery { get; init; }
    public string? Device { get; init; }

    /// <summary>Settings that change how a run is watched or seeded, not what it trains: not deviations from a preset.</summary>
    private static readonly string[] NotADeviation =
        ["train.seed", "train.threads", "train.log_every", "train.eval_every", "train.eval_episodes", "train.keep_checkpoints", "device"];

    /// <summary>Suffix of a deviation set on the command line (reports list them apart from the preset's own).</summary>
    public const string ChangedMarker = " (set on the command line)";

    /// <summary>The run config this request describes, validated; a changed preset records each change as a deviation.</summary>
    public RunConfig Resolve()
    {
        if (Resume && Overwrite) throw new ArgumentException("--resume and --overwrite contradict each other: choose one");
        if (ConfigFile != null && Preset != null) throw new ArgumentException("--config and --preset both give a starting config: choose one");
        string savedConfig = File.Exists(Path.Combine(Run, "checkpoint", Checkpoint.ConfigFile))
            ? Path.Combine(Run, "checkpoint", Checkpoint.ConfigFile) : Path.Combine(Run, Checkpoint.ConfigFile);
        RunConfig config;
        if (ConfigFile is { } file) config = ConfigJson.Load<RunConfig>(file);
        else if (Preset is { } presetName) config = Presets.Get(presetName).Config;
        else if (Resume && File.Exists(savedConfig))
        {
            config = ConfigJson.Load<RunConfig>(savedConfig);
            // RUN/config.json is a copy for reading; an edit there would be silently overwritten: say how to change a run instead.
            string copy = Path.Combine(Run, Checkpoint.ConfigFile);
            if (File.Exists(copy) && copy != savedConfig)
            {
                var edited = ConfigJson.Differences(ConfigJson.Serialize(config), File.ReadAllText(copy));
                if (edited.Count > 0)
                    throw new ArgumentException($"{copy} differs from the checkpoint's config ({string.Join("; ", edited)}): a run resumes with " +
                        $"{savedConfig}; change a setting with --set (e.g. --set train.steps=N), or undo the edit");
            }
        }
        else config = new RunConfig { Policy = Policy.Defaults(), Train = Policy.TrainDefaults() };
        if (config.Policy is null) throw new ArgumentException($"{ConfigFile}: policy: missing; give a policy section with \"type\": \"{Policy.Name}\"");
        if (config.Policy.Name != Policy.Name) throw new ArgumentException($"the config describes a {config.Policy.Name} policy, not {Policy.Name}");
        config = ConfigJson.WithOverrides(config, Overrides);
        // A changed preset is a further deviation: say so in every report.
        if (config.Preset != null && !Resume)
        {
            var extra = Overrides.Where(o => !NotADeviation.Contains(o.Split('=')[0].Trim())).Select(o => o + ChangedMarker)
                .Concat(Steps is { } st ? [$"train.steps={st}" + ChangedMarker] : Array.Empty<string>())
                .Concat(Minutes is { } mi ? [$"train.minutes={mi}" + ChangedMarker] : Array.Empty<string>());
            config = config with { Deviations = [.. config.Deviations, .. extra.Where(e => !config.Deviations.Contains(e))] };
        }
        if (Dataset is { } d) config = config with { Dataset = d };
        if (string.IsNullOrEmpty(config.Dataset)) config = config with { Dataset = DefaultDataset() };
        if (Steps is { } s) config = config with { Train = config.Train with { Steps = s } };
        if (Minutes is { } m) config = config with { Train = config.Train with { Minutes = m } };
        if (EvalEvery is { } ee) config = config with { Train = config.Train with { EvalEvery = ee } };
        if (Device is { } dev) config = config with { Device = dev };
        config.Validate();
        return config;
    }
}
