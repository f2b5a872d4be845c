using Mimicry.Data;
using Mimicry.Envs;

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
        if (dataset.Feature(FeatureKeys.Action).Size != entry.Spec.ActionDim)
            throw new ArgumentException($"dataset {where}: actions have {dataset.Feature(FeatureKeys.Action).Size} values, the {entry.Name} task takes {entry.Spec.ActionDim}");
        return config;
    }
}
