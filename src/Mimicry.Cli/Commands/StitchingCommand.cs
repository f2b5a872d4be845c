using System.CommandLine;
using Mimicry.Experiments.Stitching;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry stitching --out DIR</c>: the Decision Transformer's no-stitching limit on a small graph, beside offline Q-learning.</summary>
internal static class StitchingCommand
{
    public static Command Create()
    {
        var output = CommonOptions.Out("folder for the runs, stitching.png, report.json and report.md", "runs/stitching");
        var seeds = new Option<int>("--seeds") { Description = "training seeds of each return-conditioned policy", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 1500 };
        var targets = new Option<string>("--targets") { Description = "returns asked for, comma-separated", DefaultValueFactory = _ => "0,0.5,1" };
        var cmd = new Command("stitching", "Stitching toy: data hold S→M→X (0), Y→M→G (1) and S→Z (0.5); does a return-conditioned policy find S→M→G from S? (Decision Transformer against offline Q-learning)")
        { output, seeds, steps, targets };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var options = new StitchingOptions
            {
                Seeds = r.GetValue(seeds), Steps = r.GetValue(steps),
                Targets = Cli.Numbers(r.GetValue(targets)!, "--targets"),
            };
            StitchingExperiment.Run(options, outDir, Console.WriteLine);
            Console.WriteLine($"wrote {outDir}/report.json, report.md, stitching.png");
            return 0;
        }));
        return cmd;
    }
}
