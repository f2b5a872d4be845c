using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Training;

namespace Mimicry.Experiments;

/// <summary>How a run ended: its step and training seconds, whether it was stopped (a checkpoint was saved), and where.</summary>
public sealed record TrainOutcome(int Step, double ElapsedSeconds, bool Stopped, string CheckpointDir);

/// <summary>
/// <c>mimicry train</c>: the run folder checked, the dataset loaded, the config fitted to it (<see cref="RunSetup"/>),
/// then training with an evaluation in the task's simulator every <c>train.eval_every</c> steps.
/// </summary>
public static class TrainJob
{
    /// <param name="drive">Runs the trainer with the evaluation hook (the CLI draws a progress bar and passes its stop signal);
    /// default: <see cref="Trainer.Run"/> without progress.</param>
    /// <param name="note">Notes for the user (a switched observation key, a recovered checkpoint); default: <paramref name="log"/>.</param>
    public static TrainOutcome Run(RunConfig config, string run, bool resume, bool overwrite = false, string? task = null, Action<string>? log = null,
        Action<Trainer, Func<IPolicy, ActingScore>?>? drive = null, Action<string>? note = null)
    {
        note ??= log;
        var (fitted, dataset) = RunSetup.Prepare(config, run, resume, overwrite, task, note);
        log?.Invoke($"run {run}");
        log?.Invoke(ConfigJson.Serialize(fitted));
        string? recorded = Tasks.Of(dataset);
        log?.Invoke($"dataset {fitted.Dataset}: {dataset.Episodes} episodes, {dataset.Frames} frames{(recorded != null ? $", task {recorded}" : "")}");
        using var trainer = new Trainer(fitted, dataset, run) { Log = note, CommandLine = Provenance.CommandLine };
        log?.Invoke($"{fitted.Policy.Name} policy: {trainer.ParameterCount:N0} parameters, device {fitted.Device}, torch threads {TorchSharp.torch.get_num_threads()}");
        log?.Invoke($"training on {trainer.TrainEpisodes} episodes" + (fitted.Train.MinEpisodeReturn is { } m ? $" (train.min_episode_return {m}: those whose return reaches it)" : ""));
        var evaluate = InTrainingEvaluation(fitted, log);
        (drive ?? ((t, e) => t.Run(resume, evaluate: e, overwrite: overwrite)))(trainer, evaluate);
        if (!trainer.Stopped)
            log?.Invoke($"done: {trainer.Step} steps in {TimeSpan.FromSeconds(trainer.ElapsedSeconds):hh\\:mm\\:ss}; checkpoint {trainer.CheckpointDir}");
        return new TrainOutcome(trainer.Step, trainer.ElapsedSeconds, trainer.Stopped, trainer.CheckpointDir);
    }

    /// <summary>The evaluation a run makes while it trains: <c>train.eval_episodes</c> episodes of its task (null: <c>train.eval_every</c> is 0).</summary>
    public static Func<IPolicy, ActingScore>? InTrainingEvaluation(RunConfig config, Action<string>? log)
    {
        if (config.Train.EvalEvery <= 0) return null;
        var task = Tasks.Get(config.Task);
        return policy =>
        {
            var result = Evaluator.Run(policy, task.Create, new EvalOptions(Episodes: config.Train.EvalEpisodes));
            log?.Invoke($"  eval: avg max reward {result.AvgMaxReward:F3}, success {result.SuccessRate:P0}");
            return new ActingScore(result.AvgMaxReward, result.SuccessRate);
        };
    }
}
