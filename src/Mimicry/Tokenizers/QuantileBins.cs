using Mimicry.Numerics;
namespace Mimicry.Tokenizers;

/// <summary>
/// Per-dimension equal-mass bins (../shared/notes/specs/tokenizers.md §4): edges at the j/K quantiles of each
/// dimension's training values, so every bin holds about the same number of them; a value decodes to its bin's
/// mid-point. Resolution follows the data: fine where actions are common, coarse in the tails.
/// </summary>
public sealed class QuantileBins : IActionTokenizer
{
    /// <summary>Per dimension, K + 1 increasing edges.</summary>
    public double[][] Edges { get; init; } = [];
    public int Bins { get; init; }
    public string Name => $"quantile{Bins}";
    public int VocabSize => Bins;

    /// <summary>Fits the edges to training values (row-major frames × dims).</summary>
    public static QuantileBins Fit(ReadOnlySpan<float> values, int dims, int bins = 256)
    {
        if (bins < 2) throw new ArgumentOutOfRangeException(nameof(bins), bins, "need at least 2 bins");
        if (dims < 1 || values.Length == 0 || values.Length % dims != 0) throw new ArgumentException($"{values.Length} values do not form rows of {dims}");
        int n = values.Length / dims;
        var edges = new double[dims][];
        for (int d = 0; d < dims; d++)
        {
            var column = new double[n];
            for (int i = 0; i < n; i++) column[i] = values[i * dims + d];
            Array.Sort(column);
            edges[d] = Enumerable.Range(0, bins + 1).Select(j => Statistics.Quantile(column, (double)j / bins)).ToArray();
            // Repeated values (a gripper's 0/1) give equal edges: nudge them apart so every bin has positive width.
            for (int j = 1; j <= bins; j++) if (edges[d][j] <= edges[d][j - 1]) edges[d][j] = Math.BitIncrement(edges[d][j - 1]);
        }
        return new QuantileBins { Edges = edges, Bins = bins };
    }

    public int Token(double x, int dim)
    {
        var e = Edges[dim];
        if (double.IsNaN(x)) x = 0;
        // The bin j with e[j] <= x < e[j+1]; values outside the fitted range go to the first or last bin.
        int lo = 0, hi = Bins - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (e[mid] <= x) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    public double Value(int token, int dim)
    {
        int k = Math.Clamp(token, 0, Bins - 1);
        return (Edges[dim][k] + Edges[dim][k + 1]) / 2;
    }

    public int[] Encode(ReadOnlySpan<float> chunk, int steps, int dims)
    {
        Check(dims);
        var tokens = new int[chunk.Length];
        for (int i = 0; i < chunk.Length; i++) tokens[i] = Token(chunk[i], i % dims);
        return tokens;
    }

    public (float[] Chunk, bool Valid) Decode(ReadOnlySpan<int> tokens, int steps, int dims)
    {
        Check(dims);
        var chunk = new float[steps * dims];
        bool valid = tokens.Length == chunk.Length;
        for (int i = 0; i < Math.Min(tokens.Length, chunk.Length); i++)
        {
            valid &= tokens[i] >= 0 && tokens[i] < Bins;
            chunk[i] = (float)Value(tokens[i], i % dims);
        }
        return (chunk, valid);
    }

    private void Check(int dims)
    {
        if (dims != Edges.Length) throw new ArgumentException($"quantile bins were fitted to {Edges.Length} dimensions, not {dims}");
    }
}
