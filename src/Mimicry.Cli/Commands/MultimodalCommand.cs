using System.CommandLine;
using Mimicry.Experiments.Multimodal;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry multimodal --out DIR [--policies diffusion,bc,act,flow]</c>: BC against the generative policies on the fork task, end to end.</summary>
internal static class MultimodalCommand
{
    public static Command Create()
    {
        var output = CommonOptions.Out("folder for runs, PNGs, report.json and report.md", "runs/multimodal");
        var demos = new Option<int>("--demos") { Description = "scripted demonstrations", DefaultValueFactory = _ => 200 };
        var steps = new Option<int>("--steps") { Description = "training steps for each policy", DefaultValueFactory = _ => 1500 };
        var episodes = CommonOptions.Episodes();
        var seedStart = CommonOptions.SeedStart();
        var seed = new Option<int>("--seed") { Description = "seed of demonstrations, training and sampling", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch") { Description = "batch size", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "the shared learning rate (a policy's fork arm may change it: the transformers train at 3e-4)", DefaultValueFactory = _ => 1e-3 };
        var policies = new Option<string?>("--policies") { Description = $"policies to train, comma-separated ({string.Join(", ", Policies.PolicyRegistry.Names)}); each is acted as its entry says (ACT with z = 0 and z ~ N(0, I), tokens greedy and at temperature 1). Default: the first registered policy and the baseline" };
        var set = CommonOptions.PolicySettings();
        var cmd = new Command("multimodal", "Train BC and generative policies on the fork task (two ways round an obstacle) with one budget, evaluate them on the same seeds, draw rollouts and the action samples at the fork")
        { output, policies, demos, steps, episodes, seedStart, seed, batch, lr, set };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var options = new MultimodalOptions
            {
                Demonstrations = r.GetValue(demos), Steps = r.GetValue(steps), EvalEpisodes = r.GetValue(episodes), EvalSeedStart = r.GetValue(seedStart), Seed = r.GetValue(seed),
                BatchSize = r.GetValue(batch), Lr = r.GetValue(lr),
                Policies = r.GetValue(policies)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Settings = CommonOptions.ParsePolicySettings(r.GetValue(set)),
            };
            var results = MultimodalExperiment.Run(options, outDir, Console.WriteLine);
            Console.WriteLine($"{string.Join(", ", results.Select(p => $"{p.Policy} {p.Eval.SuccessRate:P0}"))}; wrote {outDir}/report.json, report.md, rollouts.png, fork_samples.png");
            return 0;
        }));
        return cmd;
    }
}
