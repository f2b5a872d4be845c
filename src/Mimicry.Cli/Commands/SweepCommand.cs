using System.CommandLine;
using Mimicry.Evaluation;
using Mimicry.Experiments.Sweep;
using Mimicry.Policies;

namespace Mimicry.Cli.Commands;

/// <summary>
/// <c>mimicry sweep POLICY --out DIR [--dataset D] [--steps N] [--episodes E] [--set ...] [--vary KEY=V1,V2,...]</c>: the
/// fair-baseline rule. Every setting of the policy's registered sweep (or of the <c>--vary</c> grid) is trained on the same data, for the same steps and
/// seed, and evaluated on the same seeds; all rows are reported, the best is named, and the loss curves are
/// drawn together. A finished row is reused, so a killed sweep continues where it stopped.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var cmd = new Command("sweep", "Train and evaluate a policy's registered sweep of settings under one budget; every row reported, the best named");
        foreach (var entry in PolicyRegistry.All) cmd.Add(ForPolicy(entry));
        return cmd;
    }

    private static Command ForPolicy(PolicyEntry entry)
    {
        var dataset = new Option<string?>("--dataset") { Description = "dataset (default: the bundled Push-T demonstrations)" };
        var output = CommonOptions.Out("sweep folder: one run per row, report.md, sweep.md, loss_curves.png");
        var steps = CommonOptions.Steps("training steps of every row (the shared budget)");
        var episodes = CommonOptions.Episodes("evaluation episodes (the same seeds for every row)");
        var seedStart = CommonOptions.SeedStart();
        var set = CommonOptions.Set("a setting shared by every row, e.g. train.threads=1");
        var preset = new Option<string?>("--preset") { Description = "start every row from this preset" };
        var seeds = new Option<int>("--seeds") { Description = "training seeds per row (train.seed, train.seed + 1, ...): rows report mean ± std over them", DefaultValueFactory = _ => 1 };
        var vary = new Option<string[]>("--vary") { Description = "sweep these values instead of the registered rows: KEY=V1,V2,... (repeatable; rows are the product), e.g. policy.bins=8,16,32" };
        var weights = new Option<WeightsChoice>("--weights") { Description = "acting (the saved weights: the EMA when a row keeps one), raw, or both: every row trained with EMA also acted with its trained weights, as row NAME-raw (the row without EMA, no extra training)", DefaultValueFactory = _ => WeightsChoice.Acting };
        string registered = entry.Sweep.Count > 0 ? string.Join(", ", entry.Sweep.Select(s => s.Name)) : "none registered: give --vary";
        var cmd = new Command(entry.Name, $"the {entry.Name} sweep: {registered}") { dataset, output, steps, episodes, seedStart, set, preset, seeds, vary, weights };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string dir = r.GetValue(output)!;
            var options = new SweepOptions
            {
                Policy = entry.Name, Preset = r.GetValue(preset), Dataset = r.GetValue(dataset) ?? Cli.ResolveData(null), Steps = r.GetValue(steps),
                Shared = r.GetValue(set) ?? [], Vary = r.GetValue(vary) ?? [], Seeds = r.GetValue(seeds), Eval = new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart)),
                Weights = r.GetValue(weights),
            };
            // Ctrl-C or kill: the row in training saves a checkpoint; the same command continues from it.
            using var stop = new StopSignal("stopping after this step and saving a checkpoint; run the same command again to continue");
            if (SweepExperiment.Run(options, dir, Console.WriteLine, Progress.Display, stop.Token) == null) return 130;
            Console.WriteLine($"wrote {Path.Combine(dir, "sweep.md")}, report.md, loss_curves.png");
            return 0;
        }));
        return cmd;
    }
}
