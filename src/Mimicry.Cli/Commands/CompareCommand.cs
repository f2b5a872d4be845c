using System.CommandLine;
using Mimicry.Experiments.Compare;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry compare [--quick] [--out DIR] [--seeds N] [--budget MIN]</c>: every registered policy, one protocol, one table.</summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var output = CommonOptions.Out("folder for runs, evaluations, report.md, report.json and plots (a second call continues where the first stopped)", "runs/compare");
        var quick = new Option<bool>("--quick") { Description = "tiny models and budgets (a few minutes): checks the pipeline, measures nothing" };
        var seeds = new Option<int>("--seeds") { Description = "training seeds per policy", DefaultValueFactory = _ => 3 };
        var budget = new Option<double>("--budget") { Description = "training minutes per (policy, seed) on Push-T on this machine (the defaults fit the full run in about two hours on 2 cores; raise it on a GPU)", DefaultValueFactory = _ => new CompareOptions().BudgetMinutes };
        var samples = new Option<long?>("--samples") { Description = "the equal-samples axis: training windows (steps × batch) per (policy, seed) on Push-T instead of minutes, e.g. 1000000; given with --budget, both axes, each in its own tables" };
        var forkSamples = new Option<long?>("--fork-samples") { Description = "training windows per (policy, seed) on the fork with --samples (default: the same)" };
        var forkBudget = new Option<double>("--fork-budget") { Description = "training minutes per (policy, seed) on the fork", DefaultValueFactory = _ => new CompareOptions().ForkBudgetMinutes };
        var episodes = new Option<int?>("--episodes") { Description = "evaluation episodes per row, seeds from --seed-start (default 50; 3 with --quick)" };
        var seedStart = CommonOptions.SeedStart();
        var tasks = new Option<string>("--tasks") { Description = "tasks, comma-separated", DefaultValueFactory = _ => string.Join(",", ComparePlan.AllTasks) };
        var policies = new Option<string?>("--policies") { Description = "only these registered policies' arms, comma-separated (default: every one)" };
        var lastCheckpoints = new Option<int>("--last-checkpoints") { Description = "score every row at the last K checkpoints of its runs (spaced over the final tenth) and report the max and the average over them, as the Diffusion Policy paper; 1: the final checkpoint", DefaultValueFactory = _ => 1 };
        var cmd = new Command("compare", "Train every registered policy on Push-T and the fork under one budget and the same seeds, evaluate all the same way, and write the comparison table")
        { output, quick, seeds, budget, forkBudget, samples, forkSamples, episodes, seedStart, tasks, policies, lastCheckpoints };
        cmd.SetAction(r => Cli.Run(() =>
        {
            bool q = r.GetValue(quick);
            var o = new CompareOptions
            {
                Quick = q, Seeds = r.GetValue(seeds), BudgetMinutes = r.GetValue(budget), ForkBudgetMinutes = r.GetValue(forkBudget), Samples = r.GetValue(samples), ForkSamples = r.GetValue(forkSamples),
                BothAxes = r.GetValue(samples) != null && r.GetResult(budget) is { Implicit: false }, LastCheckpoints = r.GetValue(lastCheckpoints), Episodes = r.GetValue(episodes) ?? (q ? 3 : 50),
                SeedStart = r.GetValue(seedStart), LatencyCalls = q ? 3 : 20,
                Tasks = r.GetValue(tasks)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Policies = r.GetValue(policies)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            string outDir = r.GetValue(output)!;
            // Ctrl-C or kill: the run in training saves a checkpoint; the next call continues from it.
            using var stop = new StopSignal("stopping after this training step and saving a checkpoint; run the same command again to continue");
            var rows = CompareRunner.RunAndReport(o, outDir, Console.WriteLine, stop.Token);
            if (rows == null) return 130;
            Console.WriteLine($"wrote {outDir}/report.md, report.json, pareto-*.png, bars-*.png ({rows.Count} rows)");
            return 0;
        }));
        return cmd;
    }
}
