using System.CommandLine;
using Mimicry.Envs;
using Mimicry.Evaluation;
using Mimicry.Generative;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry eval RUN [RUN ...] [--episodes 50] [--seed-start 100000] [--gif] [--out DIR]</c>.</summary>
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
        var sampler = new Option<string?>("--sampler") { Description = "diffusion only: ddpm or ddim (default: the run's)" };
        var samplerSteps = new Option<int?>("--inference-steps") { Description = "diffusion only: sampler steps (e.g. 10 for DDIM)" };
        var device = new Option<string>("--device") { Description = "torch device", DefaultValueFactory = _ => "cpu" };
        var seed = new Option<int>("--sampling-seed") { Description = "seed of the policy's sampling noise", DefaultValueFactory = _ => 0 };
        var cmd = new Command("eval", "Evaluate trained policies in simulation; writes report.json, report.md and rollout GIFs")
        { runs, episodes, seedStart, maxSteps, gif, output, sampler, samplerSteps, device, seed };
        cmd.SetAction(r => Cli.Run(() =>
        {
            var paths = r.GetValue(runs)!;
            string outDir = r.GetValue(output) ?? (paths.Length == 1 ? Path.Combine(paths[0], "eval") : throw new ArgumentException("--out is required when evaluating several runs"));
            string? task = null;
            var entries = new List<ReportEntry>();
            var commands = new List<string>();
            string? firstGif = null;
            foreach (var path in paths)
            {
                var (config, policy) = Checkpoint.Load(path, TorchSharp.torch.device(r.GetValue(device)));
                using var _ = policy;
                if (task != null && task != config.Task) throw new ArgumentException($"{path} is a {config.Task} policy; the other runs are {task}");
                task = config.Task;
                var options = new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart), r.GetValue(maxSteps) ?? Tasks.MaxSteps(task), r.GetValue(seed));
                if (policy is DiffusionPolicy dp && (r.GetValue(sampler) != null || r.GetValue(samplerSteps) != null))
                {
                    var kind = r.GetValue(sampler)?.ToLowerInvariant() switch { "ddim" => SamplerKind.Ddim, "ddpm" => SamplerKind.Ddpm, null => ((DiffusionConfig)config.Policy).Sampler, var s => throw new ArgumentException($"--sampler '{s}': use ddpm or ddim") };
                    dp.UseSampler(kind, r.GetValue(samplerSteps) ?? ((DiffusionConfig)config.Policy).NumInferenceSteps);
                }
                string name = Path.GetFileName(Path.GetFullPath(path).TrimEnd('/'));
                string? gifPath = r.GetValue(gif) ? Path.Combine(outDir, $"rollouts-{name}.gif") : null;
                firstGif ??= gifPath;
                var (render, owner) = Tasks.Renderer(task, 128);
                using var __ = owner;
                var result = Progress.Run($"evaluating {name}", options.Episodes * options.MaxSteps,
                    p => Evaluator.Run(policy, () => Tasks.Create(task), options with { GifPath = gifPath }, render, p));
                Console.WriteLine($"{name}: avg max reward {result.AvgMaxReward:F3}, success rate {result.SuccessRate:P0}, latency p50 {result.LatencyP50Ms:F1} ms / p95 {result.LatencyP95Ms:F1} ms per call ({result.MeanBatchPerCall:F1} envs per call)");
                var (steps, seconds) = TrainingSummary(path);
                entries.Add(new ReportEntry(name, Path.GetFullPath(path), config.Policy.Name, policy.Network.parameters().Sum(p => p.numel()), steps, seconds, result));
                string cmdFile = Path.Combine(Checkpoint.ResolveDir(path), "..", "command.txt");
                if (File.Exists(cmdFile)) commands.AddRange(File.ReadAllLines(cmdFile));
            }
            commands.Add(Cli.CommandLine);
            var report = new EvalReport(task ?? "pusht", EvalReport.CurrentGitRevision(), DateTime.UtcNow.ToString("u"), commands, entries, firstGif);
            report.Save(outDir);
            Console.WriteLine($"wrote {Path.Combine(outDir, "report.json")} and report.md");
            return 0;
        }));
        return cmd;
    }

    /// <summary>Steps and training seconds from the run's last metrics line, when present.</summary>
    private static (int?, double?) TrainingSummary(string path)
    {
        string metrics = Path.Combine(Checkpoint.ResolveDir(path), "..", "metrics.jsonl");
        if (!File.Exists(metrics)) return (null, null);
        var last = File.ReadLines(metrics).LastOrDefault();
        if (last == null) return (null, null);
        var m = System.Text.Json.JsonSerializer.Deserialize<TrainMetrics>(last, Mimicry.Configuration.ConfigJson.Compact)!;
        return (m.Step, m.ElapsedSeconds);
    }
}
