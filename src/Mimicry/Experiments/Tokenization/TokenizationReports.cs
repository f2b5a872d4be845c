using System.Globalization;
using System.Text;
using Mimicry.Envs;
using Mimicry.Envs.PushT;
using Mimicry.Tokenizers;

namespace Mimicry.Experiments.Tokenization;

/// <summary>
/// <c>mimicry tokenize analyze</c> and <c>replay</c>: what discretizing the actions costs, measured on a dataset's chunks
/// (analysis.md/json, tokenize.png) and by replaying the human demonstrations through each tokenizer (replay.md/json).
/// </summary>
public static class TokenizationReports
{
    /// <summary>Per tokenizer (uniform bins at each count, OpenVLA's, quantile, FAST): precision, sequence length, entropy.</summary>
    public static IReadOnlyList<TokenizerMeasurement> Analyze(string path, string outDir, int chunk, int[] bins, int chunks)
    {
        if (chunk < 1) throw new ArgumentException("--chunk must be >= 1");
        if (chunks < 2) throw new ArgumentException($"--chunks must be >= 2 (FAST is fitted on half and measured on the other half), got {chunks}");
        IO.AtomicFile.EnsureWritableFolder(outDir);
        var data = DatasetLoader.Load(path);
        Directory.CreateDirectory(outDir);
        var rows = TokenizationAnalysis.Run(data, chunk, bins, chunks);
        string unit = Tasks.Of(data) == Tasks.PushT ? "px" : "units";
        var md = new StringBuilder();
        md.AppendLine($"# What tokenizing the actions costs: {Path.GetFileName(Path.GetFullPath(path).TrimEnd('/'))}\n");
        md.AppendLine($"{ReportWriter.Header()} Chunks of {chunk} actions starting at every frame (a seeded sample of {chunks}), min/max-normalized to [−1, 1] per dimension as the token policy does; errors are back in the data's units ({unit}). FAST's BPE is fitted on half the sample and measured on the other half.\n");
        md.AppendLine($"| tokenizer | vocab | bin width ({unit}) | same bins over 1 m | RMSE ({unit}) | max error ({unit}) | tokens / chunk (max) | entropy bits / token | entropy bits / chunk | cost bits / chunk | invalid decodes |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        string V(double[]? v, string f) => v is null ? "–" : string.Join(" / ", v.Select(x => x.ToString(f, CultureInfo.InvariantCulture)));
        foreach (var x in rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {x.Tokenizer} | {x.Vocab} | {V(x.BinWidth, "G3")} | {(x.BinWidthOver1mMm is { } mm ? $"{mm:G3} mm" : "–")} | {V(x.Rmse, "G3")} | {V(x.MaxError, "G3")} | {x.TokensPerChunk:F1} ({x.MaxTokensPerChunk}) | {x.EntropyBitsPerToken:F2} | {x.EntropyBitsPerChunk:F0} | {x.CostBitsPerChunk:F0} | {x.InvalidFraction:P1} |"));
        md.AppendLine($"\nPer dimension values are x / y. Uniform bins over a 1 m workspace: 256 bins are {1000.0 / 256:F1} mm wide (the often-quoted 0.4 mm holds for a 10 cm range), against ~1 mm repeatability of a typical arm; 1024 bins reach 1 mm. Entropy is of the token distribution (unigram), so entropy bits / chunk ignores the correlations between tokens that an autoregressive model exploits: an upper bound on what it must learn per chunk.");
        md.AppendLine("\n![precision and sequence length](tokenize.png)");
        ReportWriter.Write(outDir, md.ToString(), new { dataset = path, chunk, unit, rows }, "analysis");
        TokenizationAnalysis.Draw(rows, unit, Path.Combine(outDir, "tokenize.png"));
        return rows;
    }

    /// <summary>Every human Push-T demonstration replayed open loop with its actions tokenized and decoded.</summary>
    public static IReadOnlyList<QuantizedReplayRow> Replay(string path, string outDir, int chunk, int[] bins)
    {
        if (chunk < 1) throw new ArgumentException("--chunk must be >= 1");
        int l = chunk;
        IO.AtomicFile.EnsureWritableFolder(outDir);
        var demos = PushTReplayBuffer.Load(path);
        // Quantile bins and FAST are fitted on the demonstrations' normalized actions (chunks at every 7th frame for FAST's BPE).
        var range = ActionChunks.Range(demos.Action, 2);
        var normalized = ActionChunks.Normalize(demos.Action, range.Min, range.Half);
        var quantile = QuantileBins.Fit(normalized, 2, 256);
        var fitChunks = QuantizedReplay.FastFitChunks(demos, normalized, l);
        var fast = FastTokenizer.Fit(fitChunks, l, 2);
        // Larger DCT scales γ round the coefficients finer (more tokens per chunk): the curve FAST's γ is chosen from.
        var finerFast = new[] { 20.0, 40.0 }.Select(g => FastTokenizer.Fit(fitChunks, l, 2, scale: g)).ToList();
        var tokenizers = new List<IActionTokenizer?> { null };
        tokenizers.AddRange(bins.Select(k => new UniformBins(k)));
        tokenizers.AddRange([new UniformBins(256, BinConvention.OpenVla), quantile, fast, .. finerFast]);
        var episodes = Enumerable.Range(0, demos.Episodes).ToList();
        // Relative to the agent's position (the token policy's policy.action_reference): the bins the learned rows use.
        var rows = QuantizedReplay.Run(demos, episodes, tokenizers, l, range, [new UniformBins(64), new UniformBins(128), new UniformBins(256)]);
        var md = new StringBuilder();
        md.AppendLine($"# The human demonstrations replayed with tokenized actions\n");
        md.AppendLine($"{ReportWriter.Header()} Each of the {demos.Episodes} episodes of {path} replayed open loop from its reset seed, its recorded actions min/max-normalized to [−1, 1] (over the whole set), tokenized and decoded in consecutive chunks of {l}, then executed; the rows named relative tokenize a − p instead (p the agent's recorded position at the chunk's first frame, min/max over every such chunk), as the token policy with policy.action_reference does. Quantile bins fitted on every action; FAST's BPE on {fitChunks.Count} chunks (every 7th frame). Reward: the best clip(coverage / 0.95, 0, 1) of the episode (the DP paper's metric); success: coverage > 0.95 (the environment's). Open loop: an upper bound on what the rounding costs a policy that corrects its errors.\n");
        md.AppendLine("| tokenizer | vocab | tokens per chunk | action RMSE (px) | avg max reward | success | mean per-episode abs change of reward against the recorded replay |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var x in rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {x.Tokenizer} | {(x.Vocab > 0 ? x.Vocab.ToString(CultureInfo.InvariantCulture) : "–")} | {(x.TokensPerChunk is { } n ? n.ToString("F1", CultureInfo.InvariantCulture) : "–")} | {x.ActionRmse:F2} | **{x.AvgMaxReward:F3}** | {x.SuccessRate:P0} | {x.MeanAbsRewardChange:F3} |"));
        ReportWriter.Write(outDir, md.ToString(), new { dataset = path, chunk = l, rows }, "replay");
        return rows;
    }
}
