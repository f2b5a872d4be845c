using System.CommandLine;
using Mimicry.Configuration;
using Mimicry.Evaluation;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry multimodal --out DIR</c>: BC against Diffusion Policy on the fork task, end to end.</summary>
internal static class MultimodalCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder for runs, PNGs and report.json", DefaultValueFactory = _ => "runs/multimodal" };
        var demos = new Option<int>("--demos") { Description = "scripted demonstrations", DefaultValueFactory = _ => 200 };
        var steps = new Option<int>("--steps") { Description = "training steps for each policy", DefaultValueFactory = _ => 1500 };
        var episodes = new Option<int>("--episodes") { Description = "evaluation episodes (seeds seed-start, seed-start+1, ...)", DefaultValueFactory = _ => 50 };
        var seedStart = new Option<long>("--seed-start") { Description = "first evaluation seed", DefaultValueFactory = _ => 100000 };
        var seed = new Option<int>("--seed") { Description = "seed of demonstrations, training and sampling", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch") { Description = "batch size", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 1e-3 };
        var dims = new Option<string>("--diffusion-dims") { Description = "U-Net channels, comma-separated", DefaultValueFactory = _ => "32,64,128" };
        var cmd = new Command("multimodal", "Train BC and Diffusion Policy on the fork task (two ways round an obstacle), evaluate both, draw rollouts and action samples")
        { output, demos, steps, episodes, seedStart, seed, batch, lr, dims };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var options = new MultimodalOptions
            {
                Demonstrations = r.GetValue(demos), Steps = r.GetValue(steps), EvalEpisodes = r.GetValue(episodes), EvalSeedStart = r.GetValue(seedStart), Seed = r.GetValue(seed),
                BatchSize = r.GetValue(batch), Lr = r.GetValue(lr),
                DiffusionDownDims = r.GetValue(dims)!.Split(',').Select(int.Parse).ToArray(),
            };
            var (diffusion, bc) = MultimodalExperiment.Run(options, outDir, Console.WriteLine);
            var report = new
            {
                task = "fork",
                git_revision = EvalReport.CurrentGitRevision(),
                date = DateTime.UtcNow.ToString("u"),
                command = Cli.CommandLine,
                options,
                policies = new[] { diffusion, bc }.Select(p => new
                {
                    policy = p.Policy,
                    success_rate = p.Eval.SuccessRate,
                    episodes = p.Eval.Episodes,
                    first_seed = p.Eval.FirstSeed,
                    fork_samples = p.Samples,
                    latency_p50_ms = p.Eval.LatencyP50Ms,
                }),
                figures = new[] { "rollouts.png", "fork_samples.png" },
            };
            ConfigJson.Save(report, Path.Combine(outDir, "report.json"));
            Console.WriteLine($"diffusion {diffusion.Eval.SuccessRate:P0} vs bc {bc.Eval.SuccessRate:P0}; wrote {outDir}/report.json, rollouts.png, fork_samples.png");
            return 0;
        }));
        return cmd;
    }
}
