using System.CommandLine;
using Mimicry.Experiments.Tokenization;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry tokenize analyze [DATASET] --out DIR</c> and <c>replay</c>: what discretizing the actions costs, per tokenizer.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string?>("dataset") { Description = "LeRobot dataset folder or DP Push-T zarr (default: the bundled Push-T demonstrations)", Arity = ArgumentArity.ZeroOrOne };
        var output = CommonOptions.Out("report folder", "runs/tokenize");
        var chunk = new Option<int>("--chunk") { Description = "actions per chunk (the token policy's L = H − To + 1: 15 for H 16, To 2)", DefaultValueFactory = _ => 15 };
        var bins = BinsOption();
        var chunks = new Option<int>("--chunks") { Description = "chunks measured (a seeded sample of every window)", DefaultValueFactory = _ => 5000 };
        var analyze = new Command("analyze", "Per tokenizer (uniform bins, OpenVLA's bins, quantile bins, FAST): bin width in world units and over a 1 m workspace, reconstruction RMSE and max error, tokens per chunk, entropy against cost")
        { dataset, output, chunk, bins, chunks };
        analyze.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            TokenizationReports.Analyze(Cli.ResolveData(r.GetValue(dataset)), outDir, r.GetValue(chunk), BinCounts(r.GetValue(bins)!), r.GetValue(chunks));
            Console.Write(File.ReadAllText(Path.Combine(outDir, "analysis.md")));
            Console.WriteLine($"wrote {outDir}/analysis.md, analysis.json, tokenize.png");
            return 0;
        }));
        return new Command("tokenize", "Action tokenizers: what discretization costs") { analyze, Replay() };
    }

    /// <summary><c>mimicry tokenize replay [ZARR] --out DIR</c>: the human demonstrations replayed with tokenized actions.</summary>
    private static Command Replay()
    {
        var zarr = new Argument<string?>("zarr") { Description = "Push-T replay buffer (zarr v2); default: the bundled data/pusht", Arity = ArgumentArity.ZeroOrOne };
        var output = CommonOptions.Out("report folder", "runs/tokenize-replay");
        var chunk = new Option<int>("--chunk") { Description = "actions per chunk (FAST encodes a chunk at a time)", DefaultValueFactory = _ => 15 };
        var bins = BinsOption();
        var cmd = new Command("replay", "Replay every human Push-T demonstration open loop with its actions tokenized and decoded (uniform bins, OpenVLA's, quantile, FAST): the task's own tolerance to discretization, no learning involved")
        { zarr, output, chunk, bins };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            TokenizationReports.Replay(Cli.ResolveData(r.GetValue(zarr)), outDir, r.GetValue(chunk), BinCounts(r.GetValue(bins)!));
            Console.Write(File.ReadAllText(Path.Combine(outDir, "replay.md")));
            Console.WriteLine($"wrote {outDir}/replay.md, replay.json");
            return 0;
        }));
        return cmd;
    }

    private static Option<string> BinsOption() =>
        new("--bins") { Description = "uniform bin counts, comma-separated", DefaultValueFactory = _ => "8,16,32,64,128,256,1024" };

    private static int[] BinCounts(string list) =>
        Cli.Integers(list, "--bins", 2, 65536);
}
