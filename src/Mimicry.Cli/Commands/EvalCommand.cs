using System.CommandLine;
using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Training;
using Mimicry.Numerics;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry eval RUN [RUN ...] [--episodes 50] [--seed-start 100000] [--set policy.X=v] [--gif] [--out DIR]</c>.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("run") { Description = "run folders (or checkpoint folders); several runs are evaluated on the same seeds into one report", Arity = ArgumentArity.OneOrMore };
        var episodes = new Option<int>("--episodes") { Description = "episodes (seeds seed-start, seed-start+1, ...)", DefaultValueFactory = _ => 50 };
        var seedStart = new Option<long>("--seed-start") { Description = "first seed (DP's test seeds start at 100000)", DefaultValueFactory = _ => 100000 };
        var maxSteps = new Option<int?>("--max-steps") { Description = "environment steps per episode (default: the task's, 300 for Push-T)" };
        var gif = new Option<bool>("--gif") { Description = "write a GIF grid of the first 8 rollouts of each run" };
        var output = new Option<string?>("--out") { Description = "report folder (default: RUN/eval for one run)" };
        var set = new Option<string[]>("--set") { Description = "change an acting-only setting, e.g. policy.sampler=ddim, policy.num_inference_steps=10, policy.execution=temporal_ensemble" };
        var sampler = new Option<string?>("--sampler") { Description = "shorthand for --set policy.sampler=X: ddpm, ddim or ddim_clipped (diffusion); euler or heun (flow)" };
        var samplerSteps = new Option<int?>("--inference-steps") { Description = "shorthand for --set policy.num_inference_steps=N" };
        var device = new Option<string>("--device") { Description = "torch device", DefaultValueFactory = _ => "cpu" };
        var seed = new Option<int>("--sampling-seed") { Description = "seed of the policy's sampling noise", DefaultValueFactory = _ => 0 };
        var checkpoints = new Option<string>("--checkpoints") { Description = "which checkpoints of each run: latest, last:K (the newest K kept with train.keep_checkpoints) or all; the report then gives the paper's max / avg", DefaultValueFactory = _ => "latest" };
        var cmd = new Command("eval", "Evaluate trained policies in simulation; writes report.json, report.md and rollout GIFs")
        { runs, episodes, seedStart, maxSteps, gif, output, set, sampler, samplerSteps, device, seed, checkpoints };
        cmd.SetAction(r => Cli.Run(() =>
        {
            var paths = r.GetValue(runs)!;
            string outDir = r.GetValue(output) ?? (paths.Length == 1 ? Path.Combine(paths[0], "eval") : throw new ArgumentException("--out is required when evaluating several runs"));
            var acting = (r.GetValue(set) ?? []).ToList();
            if (r.GetValue(sampler) is { } s) acting.Add($"policy.sampler={s.ToLowerInvariant()}");
            if (r.GetValue(samplerSteps) is { } n) acting.Add($"policy.num_inference_steps={n}");
            var options = new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart), r.GetValue(maxSteps), r.GetValue(seed));
            string selection = r.GetValue(checkpoints)!;
            var targets = paths.SelectMany(p =>
            {
                string name = Path.GetFileName(Path.GetFullPath(p).TrimEnd('/'));
                var chosen = Checkpoint.Select(p, selection);
                return chosen.Select(c => (c, selection == "latest" ? name : $"{name}@{Path.GetFileName(c)["step-".Length..].TrimStart('0')}"));
            }).ToList();
            var report = Evaluate(targets, options, acting, r.GetValue(device)!, r.GetValue(gif), outDir);
            Console.WriteLine($"wrote {Path.Combine(outDir, "report.json")} and report.md");
            return report.Policies.Count > 0 ? 0 : 1;
        }));
        return cmd;
    }

    /// <summary>
    /// Evaluates runs (path, name) on the same seeds with the same acting overrides, and writes one
    /// report (report.json, report.md, optional rollout GIFs) into <paramref name="outDir"/>.
    /// </summary>
    public static EvalReport Evaluate(IReadOnlyList<(string Path, string Name)> runs, EvalOptions options, IReadOnlyList<string> acting, string device, bool gif, string outDir) =>
        Evaluate(runs.Select(r => (r.Path, r.Name, acting)).ToList(), options, device, gif, outDir);

    /// <summary>As above, each run with its own acting overrides (e.g. one sampler and step count per row of an ablation).</summary>
    public static EvalReport Evaluate(IReadOnlyList<(string Path, string Name, IReadOnlyList<string> Acting)> runs, EvalOptions options, string device, bool gif, string outDir)
    {
        options.Validate();
        if (File.Exists(outDir)) throw new IOException($"--out {outDir} is a file; give a folder for the report");
        var torchDevice = Devices.Parse(device, "--device");
        // Every run exists and acts in the same task before the first is evaluated.
        var tasks = runs.Select(r => (r.Path, ConfigJson.Load<RunConfig>(Path.Combine(Checkpoint.ResolveDir(r.Path), Checkpoint.ConfigFile)).Task)).ToList();
        if (tasks.Select(t => t.Task).Distinct().Count() > 1)
            throw new ArgumentException($"the runs act in different tasks ({string.Join(", ", tasks.Select(t => $"{t.Path}: {t.Task}"))}); evaluate them separately");
        var taskEntry = Tasks.Get(tasks[0].Task);
        int maxSteps = options.MaxSteps ?? taskEntry.Spec.MaxSteps;
        var entries = new ReportEntry[runs.Count];
        var gifs = runs.Select(r => gif ? Path.Combine(outDir, $"rollouts-{r.Name}.gif") : null).ToArray();
        int stepsPerRun = options.Episodes * maxSteps;
        ReportEntry EvaluateOne(int i, IProgress<int> progress)
        {
            var (path, name, acting) = runs[i];
            var (config, policy) = Checkpoint.Load(path, torchDevice, acting: acting);
            using var _ = policy;
            using var renderer = taskEntry.Renderer(128);
            var result = Evaluator.Run(policy, taskEntry.Create, options with { GifPath = gifs[i] }, renderer.Render, progress);
            Console.WriteLine($"{name}: avg max reward {result.AvgMaxReward:F3}, success rate {result.SuccessRate:P0}, latency p50 {result.LatencyP50Ms:F1} ms / p95 {result.LatencyP95Ms:F1} ms per call ({result.MeanBatchPerCall:F1} envs per call)");
            string dir = Checkpoint.ResolveDir(path);
            var trained = Trainer.SavedProgress(dir);
            return new ReportEntry(name, Path.GetFullPath(path), config.Policy.Name, policy.ParameterCount(), trained?.Step, trained?.ElapsedSeconds, result,
                acting.Count > 0 ? acting : null, config.Preset, config.Deviations, RunOf(dir), MethodOf(config));
        }
        // One checkpoint at a time: two evaluations in one process on two threads crashed inside TorchSharp 0.107
        // (a Scalar freed under functional.mish while the other thread used it); run two eval processes instead.
        for (int i = 0; i < runs.Count; i++)
            entries[i] = Progress.Run($"evaluating {runs[i].Name}", stepsPerRun, p => EvaluateOne(i, p));
        var commands = new List<string>();
        foreach (var e in entries)
        {
            string cmdFile = Path.Combine(e.Run!, "command.txt");
            if (File.Exists(cmdFile)) commands.AddRange(File.ReadAllLines(cmdFile));
        }
        string? firstGif = gifs[0];
        commands.Add(Cli.CommandLine);
        commands = commands.Distinct().ToList();
        var report = new EvalReport(taskEntry.Name, Provenance.Current().GitRevision, DateTime.UtcNow.ToString("u"), commands, entries, firstGif);
        report.Save(outDir);
        return report;
    }

    /// <summary>The run folder a checkpoint folder belongs to (RUN/checkpoint or RUN/checkpoints/step-N).</summary>
    private static string RunOf(string checkpointDir)
    {
        string full = Path.GetFullPath(checkpointDir).TrimEnd('/');
        string parent = Path.GetDirectoryName(full)!;
        return Path.GetFileName(parent) == Checkpoint.KeptDir ? Path.GetDirectoryName(parent)! : parent;
    }

    /// <summary>A run's configuration without its training seed: runs that differ only in seed are one method.</summary>
    private static string MethodOf(RunConfig config) =>
        ConfigJson.Serialize(config with { Train = config.Train with { Seed = 0 }, Dataset = Path.GetFullPath(config.Dataset) });
}
