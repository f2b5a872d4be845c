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
        var episodes = CommonOptions.Episodes();
        var seedStart = CommonOptions.SeedStart();
        var maxSteps = new Option<int?>("--max-steps") { Description = "environment steps per episode (default: the task's, 300 for Push-T)" };
        var gif = new Option<bool>("--gif") { Description = "write a GIF grid of the first 8 rollouts of each run" };
        var output = new Option<string?>("--out") { Description = "report folder (default: RUN/eval for one run)" };
        var set = new Option<string[]>("--set") { Description = "change an acting-only setting, e.g. policy.sampler=ddim, policy.num_inference_steps=10, policy.execution=temporal_ensemble" };
        var sampler = new Option<string?>("--sampler") { Description = "shorthand for --set policy.sampler=X: ddpm, ddim or ddim_clipped (diffusion); euler or heun (flow)" };
        var samplerSteps = new Option<int?>("--inference-steps") { Description = "shorthand for --set policy.num_inference_steps=N" };
        var device = new Option<string>("--device") { Description = "torch device", DefaultValueFactory = _ => "cpu" };
        var seed = new Option<int>("--sampling-seed") { Description = "seed of the policy's sampling noise", DefaultValueFactory = _ => 0 };
        var checkpoints = new Option<string>("--checkpoints") { Description = "which checkpoints of each run: latest, last:K (the newest K kept with train.keep_checkpoints), all, or best (the one train.best_on kept); the report then gives the paper's max / avg", DefaultValueFactory = _ => "latest" };
        var weights = new Option<WeightsChoice>("--weights") { Description = "acting (the saved weights: the EMA when the run kept one), raw (the trained weights: the same run as if trained without EMA) or both (a NAME-raw row beside each EMA checkpoint)", DefaultValueFactory = _ => WeightsChoice.Acting };
        var cmd = new Command("eval", "Evaluate trained policies in simulation; writes report.json, report.md and rollout GIFs")
        { runs, episodes, seedStart, maxSteps, gif, output, set, sampler, samplerSteps, device, seed, checkpoints, weights };
        cmd.SetAction(r => Cli.Run(() =>
        {
            var paths = r.GetValue(runs)!;
            string outDir = r.GetValue(output) ?? (paths.Length == 1 ? Path.Combine(paths[0], "eval") : throw new ArgumentException("--out is required when evaluating several runs"));
            var acting = (r.GetValue(set) ?? []).ToList();
            if (r.GetValue(sampler) is { } s) acting.Add($"policy.sampler={s.ToLowerInvariant()}");
            if (r.GetValue(samplerSteps) is { } n) acting.Add($"policy.num_inference_steps={n}");
            var options = new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart), r.GetValue(maxSteps), r.GetValue(seed));
            var targets = RunEvaluation.Targets(paths, r.GetValue(checkpoints)!, acting, r.GetValue(weights));
            var report = RunEvaluation.Evaluate(targets, options, r.GetValue(device)!, r.GetValue(gif), outDir, Console.WriteLine, Progress.Display);
            Console.WriteLine($"wrote {Path.Combine(outDir, "report.json")} and report.md");
            return report.Policies.Count > 0 ? 0 : 1;
        }));
        return cmd;
    }
}
