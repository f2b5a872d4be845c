using System.CommandLine;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Training;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry train diffusion --dataset D --out RUN [--steps N] [--config file.json] [--set key=value ...] [--resume]</c>.</summary>
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
        var output = new Option<string>("--out") { Description = "run folder", Required = true };
        var steps = new Option<int?>("--steps") { Description = "training steps (train.steps)" };
        var configFile = new Option<string?>("--config") { Description = "JSON run config (dataset, policy, train, device) to start from" };
        var set = new Option<string[]>("--set") { Description = "override a config field, e.g. policy.down_dims=[64,128,256] or train.lr=3e-4", AllowMultipleArgumentsPerToken = false };
        var device = new Option<string?>("--device") { Description = "torch device: cpu, cuda, cuda:1" };
        var resume = new Option<bool>("--resume") { Description = "continue from the run folder's last checkpoint" };
        var evalEvery = new Option<int?>("--eval-every") { Description = "evaluate in simulation every N steps (train.eval_every)" };
        var task = new Option<string?>("--task") { Description = "task to evaluate in: pusht (default) or fork" };
        var cmd = new Command(name, entry.Description) { dataset, output, steps, configFile, set, device, resume, evalEvery, task };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string run = r.GetValue(output)!;
            RunConfig config;
            string savedConfig = Path.Combine(run, Checkpoint.ConfigFile);
            if (r.GetValue(configFile) is { } file) config = ConfigJson.Load<RunConfig>(file);
            else if (r.GetValue(resume) && File.Exists(savedConfig)) config = ConfigJson.Load<RunConfig>(savedConfig);
            else config = new RunConfig { Policy = entry.Defaults(), Train = entry.TrainDefaults() };
            if (config.Policy.Name != name) throw new ArgumentException($"the config describes a {config.Policy.Name} policy, not {name}");
            config = ConfigJson.WithOverrides(config, r.GetValue(set) ?? []);
            if (r.GetValue(dataset) is { } d) config = config with { Dataset = d };
            if (string.IsNullOrEmpty(config.Dataset)) config = config with { Dataset = Cli.ResolveData(null) };
            if (r.GetValue(steps) is { } s) config = config with { Train = config.Train with { Steps = s } };
            if (r.GetValue(evalEvery) is { } ee) config = config with { Train = config.Train with { EvalEvery = ee } };
            if (r.GetValue(device) is { } dev) config = config with { Device = dev };
            if (r.GetValue(task) is { } tk) config = config with { Task = tk };
            Tasks.Get(config.Task);
            config.Validate();
            Train(config, run, r.GetValue(resume));
            return 0;
        }));
        return cmd;
    }

    public static void Train(RunConfig config, string run, bool resume)
    {
        Console.WriteLine($"run {run}");
        Console.WriteLine(ConfigJson.Serialize(config));
        var dataset = DatasetLoader.Load(config.Dataset);
        Console.WriteLine($"dataset {config.Dataset}: {dataset.Episodes} episodes, {dataset.Frames} frames");
        using var trainer = new Trainer(config, dataset, run);
        Directory.CreateDirectory(run);
        if (!resume || !File.Exists(Path.Combine(run, "command.txt"))) File.WriteAllText(Path.Combine(run, "command.txt"), Cli.CommandLine + "\n");
        Console.WriteLine($"{config.Policy.Name} policy: {trainer.ParameterCount:N0} parameters, device {config.Device}, torch threads {TorchSharp.torch.get_num_threads()}");
        var task = Tasks.Get(config.Task);
        Func<IPolicy, EvalResult>? evaluate = config.Train.EvalEvery > 0
            ? policy =>
            {
                var result = Evaluator.Run(policy, task.Create, new EvalOptions(Episodes: config.Train.EvalEpisodes));
                Console.WriteLine($"  eval: avg max reward {result.AvgMaxReward:F3}, success {result.SuccessRate:P0}");
                return result;
            }
            : null;
        TrainLoop.Run(trainer, resume, evaluate);
        Console.WriteLine($"done: {trainer.Step} steps in {TimeSpan.FromSeconds(trainer.ElapsedSeconds):hh\\:mm\\:ss}; checkpoint {trainer.CheckpointDir}");
    }
}
