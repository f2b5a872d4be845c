using Mimicry.Evaluation;
using Mimicry.Data;
using Mimicry.IO;
using Mimicry.Tokenizers;
using ScottPlot;

namespace Mimicry.Experiments.Tokenization;

/// <summary>One tokenizer measured on a dataset's action chunks.</summary>
/// <param name="BinWidth">Per dimension, in the dataset's units (Push-T: pixels): uniform bins' width; quantile bins' median width; FAST: null.</param>
/// <param name="BinWidthOver1mMm">The same number of uniform bins over a 1 m workspace, in millimetres (null for quantile and FAST).</param>
/// <param name="Rmse">Per dimension, reconstruction error in the dataset's units.</param>
/// <param name="MaxError">Per dimension, the largest reconstruction error.</param>
/// <param name="TokensPerChunk">Mean tokens per chunk (bins: L·Da).</param>
/// <param name="EntropyBitsPerChunk">Tokens per chunk × the empirical entropy of the token distribution (bits per token).</param>
/// <param name="CostBitsPerChunk">Tokens per chunk × log2(vocabulary): what the tokens cost a model to emit.</param>
public sealed record TokenizerMeasurement(string Tokenizer, int Vocab, double[]? BinWidth, double? BinWidthOver1mMm, double[] Rmse, double[] MaxError,
    double TokensPerChunk, int MaxTokensPerChunk, double EntropyBitsPerToken, double EntropyBitsPerChunk, double CostBitsPerChunk, double InvalidFraction);

/// <summary>
/// What turning actions into tokens costs, per tokenizer, on a dataset's action chunks (every window of L steps,
/// normalized by min/max to [−1, 1] as the token policy does): precision in world units, tokens per chunk (naive
/// per-value bins against FAST), and bits: the tokens' empirical entropy against what they cost to emit.
/// </summary>
public static class TokenizationAnalysis
{
    public static IReadOnlyList<TokenizerMeasurement> Run(EpisodeDataset data, int chunk, int[] bins, int maxChunks = 5000, int fastVocab = 1024, int seed = 0)
    {
        var raw = data.Values(FeatureKeys.Action);
        int da = data.Feature(FeatureKeys.Action).Size;
        var (min, half) = ActionChunks.Range(raw, da);
        var normalized = ActionChunks.Normalize(raw, min, half);
        var chunks = ActionChunks.EveryFrame(data, normalized, da, chunk, Enumerable.Range(0, data.Episodes));
        var rng = new Random(seed);
        if (chunks.Count > maxChunks) chunks = chunks.OrderBy(_ => rng.Next()).Take(maxChunks).ToList();

        var results = new List<TokenizerMeasurement>();
        foreach (int k in bins)
        {
            var t = new UniformBins(k);
            results.Add(Measure(t, chunks, chunk, da, half, half.Select(h => 2 * h / k).ToArray(), 1000.0 / k));
        }
        results.Add(Measure(new UniformBins(256, BinConvention.OpenVla), chunks, chunk, da, half, half.Select(h => 2 * h / 255).ToArray(), 1000.0 / 255));
        var quantile = QuantileBins.Fit(chunks.SelectMany(c => c).ToArray(), da, 256);
        var widths = Enumerable.Range(0, da).Select(d =>
        {
            var w = Enumerable.Range(0, quantile.Bins).Select(i => (quantile.Edges[d][i + 1] - quantile.Edges[d][i]) * half[d]).Order().ToArray();
            return w[w.Length / 2];
        }).ToArray();
        results.Add(Measure(quantile, chunks, chunk, da, half, widths, null));
        // FAST: its BPE fitted on the first half of the sample, measured on the second (held-out chunks).
        var fitOn = chunks.Take(chunks.Count / 2).ToList();
        var fast = FastTokenizer.Fit(fitOn, chunk, da, fastVocab);
        results.Add(Measure(fast, chunks.Skip(chunks.Count / 2).ToList(), chunk, da, half, null, null));
        return results;
    }

    private static TokenizerMeasurement Measure(IActionTokenizer t, List<float[]> chunks, int steps, int da, double[] half, double[]? width, double? over1m)
    {
        var sq = new double[da];
        var worst = new double[da];
        var counts = new Dictionary<int, long>();
        long tokens = 0, invalid = 0;
        int longest = 0;
        foreach (var c in chunks)
        {
            var ids = t.Encode(c, steps, da);
            tokens += ids.Length;
            longest = Math.Max(longest, ids.Length);
            foreach (var id in ids) counts[id] = counts.GetValueOrDefault(id) + 1;
            var (back, valid) = t.Decode(ids, steps, da);
            if (!valid) invalid++;
            for (int i = 0; i < c.Length; i++)
            {
                int d = i % da;
                double err = Math.Abs(Math.Clamp(c[i], -1f, 1f) - back[i]) * half[d]; // bins clip to [-1, 1]; the data lie inside
                sq[d] += err * err;
                worst[d] = Math.Max(worst[d], err);
            }
        }
        int n = chunks.Count;
        double entropy = -counts.Values.Sum(v => v / (double)tokens * Math.Log2(v / (double)tokens));
        double perChunk = tokens / (double)n;
        return new TokenizerMeasurement(t.Name, t.VocabSize, width, over1m, sq.Select(s => Math.Sqrt(s / (n * steps))).ToArray(), worst,
            perChunk, longest, entropy, entropy * perChunk, perChunk * Math.Log2(t.VocabSize), invalid / (double)n);
    }

    /// <summary>Reconstruction RMSE against uniform bins (log2), and tokens per chunk per tokenizer.</summary>
    public static void Draw(IReadOnlyList<TokenizerMeasurement> rows, string unit, string path)
    {
        var multi = new Multiplot();
        multi.RemovePlot(multi.GetPlot(0));
        var rmse = new Plot();
        var uniform = rows.Where(r => r.Tokenizer.StartsWith("bins") && !r.Tokenizer.Contains("openvla")).ToList();
        for (int d = 0; d < rows[0].Rmse.Length; d++)
        {
            var s = rmse.Add.Scatter(uniform.Select(r => Math.Log2(r.Vocab)).ToArray(), uniform.Select(r => Math.Log10(r.Rmse[d])).ToArray());
            s.LegendText = $"uniform bins, dimension {d}";
        }
        foreach (var r in rows.Where(r => !uniform.Contains(r)))
        {
            var m = rmse.Add.Marker(Math.Log2(r.Tokenizer == "fast" ? 1024 : r.Vocab), Math.Log10(r.Rmse.Average()));
            m.LegendText = $"{r.Tokenizer} (mean over dimensions)";
            m.MarkerSize = 10;
        }
        rmse.XLabel("vocabulary (log2; FAST placed at its BPE size)");
        rmse.YLabel($"reconstruction RMSE ({unit}, log10)");
        rmse.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G2") };
        rmse.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(2, v).ToString("G4") };
        rmse.ShowLegend(Alignment.UpperRight);
        rmse.Title("Precision");
        var tokens = new Plot();
        var bars = tokens.Add.Bars(rows.Select(r => r.TokensPerChunk).ToArray());
        tokens.Axes.Bottom.SetTicks(Enumerable.Range(0, rows.Count).Select(i => (double)i).ToArray(), rows.Select(r => r.Tokenizer).ToArray());
        tokens.Axes.Bottom.TickLabelStyle.Rotation = 45;
        tokens.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        tokens.YLabel("tokens per chunk (mean)");
        tokens.Title("Sequence length");
        multi.AddPlot(rmse);
        multi.AddPlot(tokens);
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.Write(path, tmp => multi.SavePng(tmp, 1400, 560));
    }
}
