using System.CommandLine;
using System.Globalization;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Evaluation;
using Mimicry.IO;
using Mimicry.Envs;
using Mimicry.Experiments.Tokenization;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry tokenize analyze [DATASET] --out DIR</c>: what discretizing the actions costs, per tokenizer.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string?>("dataset") { Description = "LeRobot dataset folder or DP Push-T zarr (default: the bundled Push-T demonstrations)", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string>("--out") { Description = "report folder", DefaultValueFactory = _ => "runs/tokenize" };
        var chunk = new Option<int>("--chunk") { Description = "actions per chunk (the token policy's L = H − To + 1: 15 for H 16, To 2)", DefaultValueFactory = _ => 15 };
        var bins = BinsOption();
        var chunks = new Option<int>("--chunks") { Description = "chunks measured (a seeded sample of every window)", DefaultValueFactory = _ => 5000 };
        var analyze = new Command("analyze", "Per tokenizer (uniform bins, OpenVLA's bins, quantile bins, FAST): bin width in world units and over a 1 m workspace, reconstruction RMSE and max error, tokens per chunk, entropy against cost")
        { dataset, output, chunk, bins, chunks };
        analyze.SetAction(r => Cli.Run(() =>
        {
            string path = Cli.ResolveData(r.GetValue(dataset));
            var data = DatasetLoader.Load(path);
            string outDir = r.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            var counts = BinCounts(r.GetValue(bins)!);
            if (r.GetValue(chunk) < 1) throw new ArgumentException("--chunk must be >= 1");
            var rows = TokenizationAnalysis.Run(data, r.GetValue(chunk), counts, r.GetValue(chunks));
            string unit = Envs.Tasks.Of(data) == Envs.Tasks.PushT ? "px" : "units";
            var md = new StringBuilder();
            md.AppendLine($"# What tokenizing the actions costs: {Path.GetFileName(Path.GetFullPath(path).TrimEnd('/'))}\n");
            md.AppendLine($"`{Cli.CommandLine}` at {EvalReport.CurrentGitRevision()}. Chunks of {r.GetValue(chunk)} actions starting at every frame (a seeded sample of {r.GetValue(chunks)}), min/max-normalized to [−1, 1] per dimension as the token policy does; errors are back in the data's units ({unit}). FAST's BPE is fitted on half the sample and measured on the other half.\n");
            md.AppendLine($"| tokenizer | vocab | bin width ({unit}) | same bins over 1 m | RMSE ({unit}) | max error ({unit}) | tokens / chunk (max) | entropy bits / token | entropy bits / chunk | cost bits / chunk | invalid decodes |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            string V(double[]? v, string f) => v is null ? "–" : string.Join(" / ", v.Select(x => x.ToString(f, CultureInfo.InvariantCulture)));
            foreach (var x in rows)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {x.Tokenizer} | {x.Vocab} | {V(x.BinWidth, "G3")} | {(x.BinWidthOver1mMm is { } mm ? $"{mm:G3} mm" : "–")} | {V(x.Rmse, "G3")} | {V(x.MaxError, "G3")} | {x.TokensPerChunk:F1} ({x.MaxTokensPerChunk}) | {x.EntropyBitsPerToken:F2} | {x.EntropyBitsPerChunk:F0} | {x.CostBitsPerChunk:F0} | {x.InvalidFraction:P1} |"));
            md.AppendLine($"\nPer dimension values are x / y. Uniform bins over a 1 m workspace: 256 bins are {1000.0 / 256:F1} mm wide (the often-quoted 0.4 mm holds for a 10 cm range), against ~1 mm repeatability of a typical arm; 1024 bins reach 1 mm. Entropy is of the token distribution (unigram), so entropy bits / chunk ignores the correlations between tokens that an autoregressive model exploits: an upper bound on what it must learn per chunk.");
            md.AppendLine("\n![precision and sequence length](tokenize.png)");
            AtomicFile.WriteAllText(Path.Combine(outDir, "analysis.md"), md.ToString());
            ConfigJson.Save(new { git_revision = EvalReport.CurrentGitRevision(), command = Cli.CommandLine, dataset = path, chunk = r.GetValue(chunk), unit, rows }, Path.Combine(outDir, "analysis.json"));
            TokenizationAnalysis.Draw(rows, unit, Path.Combine(outDir, "tokenize.png"));
            Console.Write(md.ToString());
            Console.WriteLine($"wrote {outDir}/analysis.md, analysis.json, tokenize.png");
            return 0;
        }));
        return new Command("tokenize", "Action tokenizers: what discretization costs") { analyze, Replay() };
    }

    /// <summary><c>mimicry tokenize replay [ZARR] --out DIR</c>: the human demonstrations replayed with tokenized actions.</summary>
    private static Command Replay()
    {
        var zarr = new Argument<string?>("zarr") { Description = "Push-T replay buffer (zarr v2); default: the bundled data/pusht", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string>("--out") { Description = "report folder", DefaultValueFactory = _ => "runs/tokenize-replay" };
        var chunk = new Option<int>("--chunk") { Description = "actions per chunk (FAST encodes a chunk at a time)", DefaultValueFactory = _ => 15 };
        var bins = BinsOption();
        var cmd = new Command("replay", "Replay every human Push-T demonstration open loop with its actions tokenized and decoded (uniform bins, OpenVLA's, quantile, FAST): the task's own tolerance to discretization, no learning involved")
        { zarr, output, chunk, bins };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string path = Cli.ResolveData(r.GetValue(zarr));
            var demos = Envs.PushT.PushTReplayBuffer.Load(path);
            int l = r.GetValue(chunk);
            if (l < 1) throw new ArgumentException("--chunk must be >= 1");
            var counts = BinCounts(r.GetValue(bins)!);
            // Quantile bins and FAST are fitted on the demonstrations' normalized actions (chunks at every 7th frame for FAST's BPE).
            var range = Tokenizers.ActionChunks.Range(demos.Action, 2);
            var normalized = Tokenizers.ActionChunks.Normalize(demos.Action, range.Min, range.Half);
            var quantile = Tokenizers.QuantileBins.Fit(normalized, 2, 256);
            var fitChunks = Enumerable.Range(0, demos.Episodes).SelectMany(e => Enumerable.Range(0, Math.Max(0, (demos.EpisodeLength(e) - l) / 7 + 1))
                .Select(k => normalized.AsSpan(((int)demos.EpisodeStart(e) + 7 * k) * 2, l * 2).ToArray())).ToList();
            var fast = Tokenizers.FastTokenizer.Fit(fitChunks, l, 2);
            var tokenizers = new List<Tokenizers.IActionTokenizer?> { null };
            tokenizers.AddRange(counts.Select(k => new Tokenizers.UniformBins(k)));
            tokenizers.AddRange([new Tokenizers.UniformBins(256, Tokenizers.BinConvention.OpenVla), quantile, fast]);
            var episodes = Enumerable.Range(0, demos.Episodes).ToList();
            var rows = QuantizedReplay.Run(demos, episodes, tokenizers, l, range);
            var md = new StringBuilder();
            md.AppendLine($"# The human demonstrations replayed with tokenized actions\n");
            md.AppendLine($"`{Cli.CommandLine}` at {EvalReport.CurrentGitRevision()}. Each of the {demos.Episodes} episodes of {path} replayed open loop from its reset seed, its recorded actions min/max-normalized to [−1, 1] (over the whole set), tokenized and decoded in consecutive chunks of {l}, then executed. Quantile bins fitted on every action; FAST's BPE on {fitChunks.Count} chunks (every 7th frame). Reward: the best clip(coverage / 0.95, 0, 1) of the episode (the DP paper's metric); success: coverage > 0.95 (the environment's). Open loop: an upper bound on what the rounding costs a policy that corrects its errors.\n");
            md.AppendLine("| tokenizer | vocab | action RMSE (px) | avg max reward | success | mean per-episode abs change of reward against the recorded replay |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var x in rows)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {x.Tokenizer} | {(x.Vocab > 0 ? x.Vocab.ToString(CultureInfo.InvariantCulture) : "–")} | {x.ActionRmse:F2} | **{x.AvgMaxReward:F3}** | {x.SuccessRate:P0} | {x.MeanAbsRewardChange:F3} |"));
            Directory.CreateDirectory(r.GetValue(output)!);
            AtomicFile.WriteAllText(Path.Combine(r.GetValue(output)!, "replay.md"), md.ToString());
            ConfigJson.Save(new { git_revision = EvalReport.CurrentGitRevision(), command = Cli.CommandLine, dataset = path, chunk = l, rows }, Path.Combine(r.GetValue(output)!, "replay.json"));
            Console.Write(md.ToString());
            Console.WriteLine($"wrote {r.GetValue(output)}/replay.md, replay.json");
            return 0;
        }));
        return cmd;
    }

    private static Option<string> BinsOption() =>
        new("--bins") { Description = "uniform bin counts, comma-separated", DefaultValueFactory = _ => "8,16,32,64,128,256,1024" };

    private static int[] BinCounts(string list) =>
        list.Split(',').Select(x => int.TryParse(x, out var v) && v >= 2 ? v : throw new ArgumentException($"--bins: '{x}' is not a bin count >= 2")).ToArray();
}
