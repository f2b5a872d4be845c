using System.CommandLine;
using Mimicry.Configuration;
using Mimicry.Experiments;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry train diffusion --dataset D --out RUN [--steps N] [--minutes M] [--config file.json] [--set key=value ...] [--resume]</c>.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var cmd = new Command("train", "Train a policy on a dataset; metrics, curves and checkpoints go to the run folder");
        foreach (var entry in PolicyRegistry.All) cmd.Add(ForPolicy(entry));
        return cmd;
    }

    private static Command ForPolicy(PolicyEntry entry)
    {
        string name = entry.Name;
        var dataset = new Option<string?>("--dataset") { Description = "LeRobot dataset folder or DP Push-T zarr (default: the bundled Push-T demonstrations)" };
        var output = CommonOptions.Out("run folder");
        var steps = CommonOptions.Steps();
        var minutes = new Option<double?>("--minutes") { Description = "a time budget (train.minutes): the run times its first steps and scales train.steps, warm-up and checkpoint spacing to fill it" };
        var configFile = new Option<string?>("--config") { Description = "JSON run config (dataset, policy, train, device) to start from" };
        var preset = new Option<string?>("--preset") { Description = "start from a shipped preset (`mimicry presets` lists them with their deviations from the paper)" };
        var set = CommonOptions.Set();
        var device = new Option<string?>("--device") { Description = "torch device: cpu, cuda, cuda:1" };
        var resume = new Option<bool>("--resume") { Description = "continue from the run folder's last checkpoint" };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace a run already in --out (its checkpoint and metrics are deleted)" };
        var evalEvery = new Option<int?>("--eval-every") { Description = "evaluate in simulation every N steps (train.eval_every)" };
        var task = new Option<string?>("--task") { Description = "task to evaluate in (default: the dataset's; pusht for the bundled data)" };
        var cmd = new Command(name, entry.Description) { dataset, output, steps, minutes, configFile, preset, set, device, resume, overwrite, evalEvery, task };
        var shorthands = (entry.Shorthands ?? []).Select(x => (Option: new Option<string?>(x.Option) { Description = $"{x.Description} (shorthand for --set {x.Key}=X)" }, x.Key)).ToList();
        foreach (var (option, _) in shorthands) cmd.Add(option);
        cmd.SetAction(r => Cli.Run(() =>
        {
            string run = r.GetValue(output)!;
            var config = new TrainRequest
            {
                Policy = entry, Run = run, ConfigFile = r.GetValue(configFile), Preset = r.GetValue(preset), Resume = r.GetValue(resume), Overwrite = r.GetValue(overwrite),
                Overrides = [.. shorthands.Where(x => r.GetValue(x.Option) is not null).Select(x => $"{x.Key}={r.GetValue(x.Option)}"), .. r.GetValue(set) ?? []],
                Dataset = r.GetValue(dataset), DefaultDataset = () => Cli.ResolveData(null), Steps = r.GetValue(steps), Minutes = r.GetValue(minutes), EvalEvery = r.GetValue(evalEvery), Device = r.GetValue(device),
            }.Resolve();
            int code = Train(config, run, r.GetValue(resume), r.GetValue(overwrite), r.GetValue(task));
            return code;
        }));
        return cmd;
    }

    /// <summary>
    /// Trains with a progress bar; Ctrl-C stops after a checkpoint (exit 130), a second Ctrl-C at once; SIGTERM the same.
    /// </summary>
    public static int Train(RunConfig config, string run, bool resume, bool overwrite = false, string? task = null)
    {
        // Ctrl-C (SIGINT) or kill (SIGTERM): finish the step, save a checkpoint, exit 130.
        using var stop = new StopSignal("stopping after this step and saving a checkpoint");
        var outcome = TrainJob.Run(config, run, resume, overwrite, task, Console.WriteLine,
            (trainer, evaluate) => TrainLoop.Run(trainer, resume, overwrite, evaluate, stop.Token), Console.Error.WriteLine);
        return outcome.Stopped ? 130 : 0;
    }
}
