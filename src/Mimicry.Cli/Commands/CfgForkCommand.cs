using System.CommandLine;
using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.IO;
using Mimicry.Experiments.Guidance;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry cfg-fork --out DIR [--policy diffusion|flow]</c>: steer which way round the obstacle with classifier-free guidance.</summary>
internal static class CfgForkCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder for the run, PNGs, report.json and report.md", DefaultValueFactory = _ => "runs/cfg-fork" };
        var policy = new Option<string>("--policy") { Description = "diffusion or flow", DefaultValueFactory = _ => "diffusion" };
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 1500 };
        var dropout = new Option<double>("--condition-dropout") { Description = "p of dropping the side for the null condition in training", DefaultValueFactory = _ => 0.1 };
        var scales = new Option<string>("--scales") { Description = "guidance scales s, comma-separated (0: unconditional, 1: conditional)", DefaultValueFactory = _ => "0,1,1.5,2,3,5" };
        var episodes = new Option<int>("--episodes") { Description = "evaluation episodes per (scale, side)", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "seed of demonstrations, training and sampling", DefaultValueFactory = _ => 0 };
        var interval = new Option<string?>("--guidance-interval") { Description = "guide only on noise levels lo,hi (1 = pure noise), e.g. 0.65,1; the other steps run the conditional model alone" };
        var cmd = new Command("cfg-fork", "Classifier-free guidance on the fork task: train with the demonstrator's side as a droppable condition, then ask for one side at each guidance scale; adherence and success against s")
        { output, policy, steps, dropout, scales, episodes, seed, interval };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var options = new GuidanceOptions
            {
                Policy = r.GetValue(policy)!, Steps = r.GetValue(steps), ConditionDropout = r.GetValue(dropout), EvalEpisodes = r.GetValue(episodes), Seed = r.GetValue(seed),
                Scales = r.GetValue(scales)!.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray(),
                GuidanceInterval = r.GetValue(interval)?.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray(),
            };
            var result = GuidanceExperiment.Run(options, outDir, Console.WriteLine);
            var report = new
            {
                task = "fork",
                git_revision = EvalReport.CurrentGitRevision(),
                date = DateTime.UtcNow.ToString("u"),
                command = Cli.CommandLine,
                convention = "eps~ = eps(null) + s * (eps(c) - eps(null)); s = 1 conditional, s = 0 unconditional; Ho's w = s - 1",
                options,
                result,
                figures = new[] { "adherence.png", "fork_samples.png" },
            };
            ConfigJson.Save(report, Path.Combine(outDir, "report.json"));
            AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), Markdown(options, result));
            Console.WriteLine($"wrote {outDir}/report.json, report.md, adherence.png, fork_samples.png");
            return 0;
        }));
        return cmd;
    }

    private static string Markdown(GuidanceOptions o, GuidanceResult r)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Classifier-free guidance on the fork: {r.Policy}\n");
        md.AppendLine($"`{Cli.CommandLine}` at {EvalReport.CurrentGitRevision()}. Trained {o.Steps} steps ({r.TrainSeconds:F0} s) on {o.Demonstrations} demonstrations with the demonstrator's side (`demo.side`, -1 left / +1 right) as a condition dropped for a learned null embedding with p = {o.ConditionDropout}.");
        md.AppendLine($"Each cell: {o.EvalEpisodes} episodes, seeds {o.EvalSeedStart}-{o.EvalSeedStart + o.EvalEpisodes - 1}. Adherence: the share of rollouts whose x has the requested sign when they first reach y = 0 (beside the obstacle); a rollout that never gets there does not adhere.\n");
        md.AppendLine("Convention: ε̃ = ε(∅) + s·(ε(c) − ε(∅)); s = 1 is the conditional model, s = 0 the unconditional one (Ho & Salimans' w = s − 1).\n");
        if (o.GuidanceInterval != null)
            md.AppendLine($"Guidance only on noise levels [{o.GuidanceInterval[0]}, {o.GuidanceInterval[1]}] (1 = pure noise; Kynkäänniemi et al. 2024): the other sampling steps run the conditional model alone.\n");
        md.AppendLine("| s | adherence (ask left) | adherence (ask right) | success (left / right) | samples at the fork, asking left (left / right) |");
        md.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var s in r.Cells.Select(c => c.Scale).Distinct())
        {
            var l = r.Cells.First(c => c.Scale == s && c.Side < 0);
            var rt = r.Cells.First(c => c.Scale == s && c.Side > 0);
            md.AppendLine($"| {s} | {l.Adherence:P0} | {rt.Adherence:P0} | {l.SuccessRate:P0} / {rt.SuccessRate:P0} | {l.Samples.Left:P0} / {l.Samples.Right:P0} |");
        }
        md.AppendLine();
        md.AppendLine("Latency of one action chunk at batch 1 (median, ms): " + string.Join(", ", r.LatencyP50MsBatch1.Select(kv => $"{kv.Key}: {kv.Value:F1}")) +
            ". s = 1 runs one pass of B; any other s > 0 one batched pass of 2B.\n");
        md.AppendLine("![adherence](adherence.png)\n\n![samples](fork_samples.png)");
        return md.ToString();
    }
}
