using System.CommandLine;
using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.Experiments.Multimodal;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry multimodal --out DIR [--policies diffusion,bc,act,flow]</c>: BC against the generative policies on the fork task, end to end.</summary>
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
        var policies = new Option<string>("--policies") { Description = "policies to train, comma-separated: bc, diffusion, flow, act (evaluated with z = 0 and z ~ N(0, I)), tokens (greedy and at temperature 1)", DefaultValueFactory = _ => "diffusion,bc" };
        var actLr = new Option<double>("--act-lr") { Description = "the transformers' learning rate (act, tokens)", DefaultValueFactory = _ => 3e-4 };
        var klWeight = new Option<double>("--kl-weight") { Description = "ACT's KL weight", DefaultValueFactory = _ => 10 };
        var dims = new Option<string>("--diffusion-dims") { Description = "U-Net channels, comma-separated", DefaultValueFactory = _ => "32,64,128" };
        var cmd = new Command("multimodal", "Train BC and generative policies on the fork task (two ways round an obstacle) with one budget, evaluate them on the same seeds, draw rollouts and the action samples at the fork")
        { output, policies, demos, steps, episodes, seedStart, seed, batch, lr, actLr, klWeight, dims };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var options = new MultimodalOptions
            {
                Demonstrations = r.GetValue(demos), Steps = r.GetValue(steps), EvalEpisodes = r.GetValue(episodes), EvalSeedStart = r.GetValue(seedStart), Seed = r.GetValue(seed),
                BatchSize = r.GetValue(batch), Lr = r.GetValue(lr), ActLr = r.GetValue(actLr), ActKlWeight = r.GetValue(klWeight),
                Policies = r.GetValue(policies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                DiffusionDownDims = r.GetValue(dims)!.Split(',').Select(int.Parse).ToArray(),
            };
            var results = MultimodalExperiment.Run(options, outDir, Console.WriteLine);
            var report = new
            {
                task = "fork",
                git_revision = EvalReport.CurrentGitRevision(),
                date = DateTime.UtcNow.ToString("u"),
                command = Cli.CommandLine,
                options,
                policies = results.Select(p => new
                {
                    policy = p.Policy,
                    acting = p.Acting,
                    parameters = p.Parameters,
                    train_seconds = p.TrainSeconds,
                    success_rate = p.Eval.SuccessRate,
                    episodes = p.Eval.Episodes,
                    first_seed = p.Eval.FirstSeed,
                    fork_samples = p.Samples,
                    latency_p50_ms = p.Eval.LatencyP50Ms,
                }),
                figures = new[] { "rollouts.png", "fork_samples.png" },
            };
            ConfigJson.Save(report, Path.Combine(outDir, "report.json"));
            IO.AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), Markdown(results, options));
            Console.WriteLine($"{string.Join(", ", results.Select(p => $"{p.Policy} {p.Eval.SuccessRate:P0}"))}; wrote {outDir}/report.json, report.md, rollouts.png, fork_samples.png");
            return 0;
        }));
        return cmd;
    }

    private static string Markdown(IReadOnlyList<MultimodalPolicyResult> results, MultimodalOptions o)
    {
        var md = new System.Text.StringBuilder();
        md.AppendLine("# The fork: two ways round an obstacle").AppendLine();
        md.AppendLine($"{o.Demonstrations} scripted demonstrations (half left, half right), {o.Steps} training steps per policy at batch {o.BatchSize}; ")
          .AppendLine($"{o.EvalEpisodes} rollouts per row on seeds {o.EvalSeedStart}-{o.EvalSeedStart + o.EvalEpisodes - 1}; {o.ForkSamples} chunks sampled at the start, where each row's action {results.FirstOrDefault()?.Samples.StepIndex + 1} lands.")
          .AppendLine($"Git revision {EvalReport.CurrentGitRevision()}; command: `{Cli.CommandLine}`").AppendLine();
        md.AppendLine("| row | parameters | train s | success | samples left | middle | right | mean x |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            md.AppendLine($"| {r.Policy} | {r.Parameters:N0} | {r.TrainSeconds:F0} | {r.Eval.SuccessRate:P0} | {r.Samples.Left:P0} | {r.Samples.Middle:P0} | {r.Samples.Right:P0} | {r.Samples.MeanX:F3} |");
        md.AppendLine().AppendLine("Figures: `rollouts.png` (demonstrations and every row's rollouts), `fork_samples.png` (the samples).");
        return md.ToString();
    }
}
