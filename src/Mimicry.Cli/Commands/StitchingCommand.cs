using System.CommandLine;
using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.Experiments.Stitching;
using Mimicry.IO;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry stitching --out DIR</c>: the Decision Transformer's no-stitching limit on a small graph, beside offline Q-learning.</summary>
internal static class StitchingCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder for the runs, stitching.png, report.json and report.md", DefaultValueFactory = _ => "runs/stitching" };
        var seeds = new Option<int>("--seeds") { Description = "training seeds of the Decision Transformer", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 1500 };
        var targets = new Option<string>("--targets") { Description = "returns DT is asked for, comma-separated", DefaultValueFactory = _ => "0,0.5,1" };
        var cmd = new Command("stitching", "Stitching toy: data hold S→M→X (0), Y→M→G (1) and S→Z (0.5); does a return-conditioned policy find S→M→G from S? (Decision Transformer against offline Q-learning)")
        { output, seeds, steps, targets };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var options = new StitchingOptions
            {
                Seeds = r.GetValue(seeds), Steps = r.GetValue(steps),
                Targets = r.GetValue(targets)!.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray(),
            };
            if (options.Seeds < 1 || options.Steps < 1) throw new ArgumentException("--seeds and --steps must be >= 1");
            var result = StitchingExperiment.Run(options, outDir, Console.WriteLine);
            var report = new
            {
                task = "stitch",
                git_revision = EvalReport.CurrentGitRevision(),
                date = DateTime.UtcNow.ToString("u"),
                command = Cli.CommandLine,
                options,
                data_paths = result.DataPaths,
                q_values = result.QValues,
                q_learning_path = result.QLearningPath,
                rows = result.Rows,
                figures = new[] { "stitching.png" },
            };
            ConfigJson.Save(report, Path.Combine(outDir, "report.json"));
            AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), Markdown(result, options));
            Console.WriteLine($"wrote {outDir}/report.json, report.md, stitching.png");
            return 0;
        }));
        return cmd;
    }

    private static string Markdown(StitchingResult r, StitchingOptions o)
    {
        var md = new StringBuilder();
        md.AppendLine("# Stitching: what return conditioning cannot do").AppendLine();
        md.AppendLine("Graph: S → {M, Z}, M → {X, G}, Y → M; entering G pays 1 (success), Z 0.5, X 0. From S the best path is S→M→G,");
        md.AppendLine("which no episode of the data contains: it joins the first half of S→M→X to the second half of Y→M→G.").AppendLine();
        md.AppendLine($"Data: {string.Join(", ", r.DataPaths.Select(kv => $"{kv.Value} × {kv.Key}"))}. {o.Seeds} training seeds of {o.Steps} steps each for DT; {o.Episodes} rollouts per row from S.");
        md.AppendLine($"Git revision {EvalReport.CurrentGitRevision()}; command: `{Cli.CommandLine}`").AppendLine();
        md.AppendLine("| method | asked for | seed | paths from S | return | success (reached G) |");
        md.AppendLine("|---|---:|---:|---|---:|---:|");
        foreach (var row in r.Rows)
            md.AppendLine($"| {row.Method} | {(row.Target is { } t ? t.ToString("0.0#", CultureInfo.InvariantCulture) : "")} | {(row.Method.StartsWith("Q") ? "" : row.Seed)} | {string.Join(", ", row.Paths.Select(kv => $"{kv.Key} {kv.Value:P0}"))} | {row.MeanReturn:F2} | {row.SuccessRate:P0} |");
        md.AppendLine().AppendLine("Offline Q-learning's values (γ = 1, logged actions only):").AppendLine();
        foreach (var (k, v) in r.QValues) md.AppendLine($"- {k} = {v:0.###}");
        md.AppendLine().AppendLine("Figure: `stitching.png` (edge width and label: the share of rollouts, or of the data's episodes, that take the edge).");
        return md.ToString();
    }
}
