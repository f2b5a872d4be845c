using System.CommandLine;
using Mimicry.Experiments.Guidance;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry cfg-fork --out DIR [--policy diffusion|flow]</c>: steer which way round the obstacle with classifier-free guidance.</summary>
internal static class CfgForkCommand
{
    public static Command Create()
    {
        var output = CommonOptions.Out("folder for the run, PNGs, report.json and report.md", "runs/cfg-fork");
        var guidable = GuidanceExperiment.Guidable.Select(e => e.Name).ToList();
        var policy = new Option<string?>("--policy") { Description = $"a policy that takes a guidance condition: {string.Join(" or ", guidable)} (default {guidable.FirstOrDefault()})" };
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 1500 };
        var dropout = new Option<double>("--condition-dropout") { Description = "p of dropping the side for the null condition in training", DefaultValueFactory = _ => 0.1 };
        var scales = new Option<string>("--scales") { Description = "guidance scales s, comma-separated (0: unconditional, 1: conditional)", DefaultValueFactory = _ => "0,1,1.5,2,3,5" };
        var episodes = CommonOptions.Episodes("evaluation episodes per (scale, side)");
        var seed = new Option<int>("--seed") { Description = "seed of demonstrations, training and sampling", DefaultValueFactory = _ => 0 };
        var interval = new Option<string?>("--guidance-interval") { Description = "guide only on noise levels lo,hi (1 = pure noise), e.g. 0.65,1; the other steps run the conditional model alone" };
        var set = CommonOptions.Set("override the run config beyond the policy's fork arm, e.g. policy.down_dims=[16,32,64]");
        var cmd = new Command("cfg-fork", "Classifier-free guidance on the fork task: train with the demonstrator's side as a droppable condition, then ask for one side at each guidance scale; adherence and success against s")
        { output, policy, steps, dropout, scales, episodes, seed, interval, set };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var options = new GuidanceOptions
            {
                Policy = r.GetValue(policy), Steps = r.GetValue(steps), ConditionDropout = r.GetValue(dropout), EvalEpisodes = r.GetValue(episodes), Seed = r.GetValue(seed),
                Scales = Cli.Numbers(r.GetValue(scales)!, "--scales"),
                GuidanceInterval = r.GetValue(interval) is { } gi ? Cli.Numbers(gi, "--guidance-interval") : null,
                Settings = r.GetValue(set) ?? [],
            };
            GuidanceExperiment.Run(options, outDir, Console.WriteLine);
            Console.WriteLine($"wrote {outDir}/report.json, report.md, adherence.png, fork_samples.png");
            return 0;
        }));
        return cmd;
    }
}
