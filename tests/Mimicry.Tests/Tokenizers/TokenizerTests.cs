using Mimicry.Envs;
using Mimicry.Tokenizers;
using Mimicry.Numerics;

namespace Mimicry.Tests.Tokenizers;

public class TokenizerTests
{
    [Fact]
    public void Uniform_bins_in_both_conventions_match_hand_worked_values()
    {
        // Centers, K = 4: bins [-1, -0.5), [-0.5, 0), [0, 0.5), [0.5, 1], centres -0.75, -0.25, 0.25, 0.75.
        var c = new UniformBins(4);
        Assert.Equal([0, 0, 1, 2, 3, 3, 0, 3], c.Encode([-1f, -0.6f, -0.4f, 0f, 0.5f, 1f, -7f, 7f], 8, 1));
        Assert.Equal([-0.75f, -0.25f, 0.25f, 0.75f], c.Decode([0, 1, 2, 3], 4, 1).Chunk);
        // OpenVLA, K = 256: edges linspace(-1, 1, 256), width 2/255. encode(-1) → i = 1 (its id V-1), encode(1) → i = 256 (id V-256);
        // decode(i = 256) = decode(i = 255) = centre 254 = -1 + 254.5·2/255 = 0.996078; only 255 distinct values.
        var o = new UniformBins(256, BinConvention.OpenVla);
        Assert.Equal(0, o.Token(-1));
        Assert.Equal(255, o.Token(1));
        Assert.Equal(254, o.Token(0.995)); // 0.995 lies in [edge 254, edge 255) = [0.99216, 1)
        Assert.Equal(0.996078, o.Value(255), 6);
        Assert.Equal(o.Value(254), o.Value(255));
        Assert.Equal(255, Enumerable.Range(0, 256).Select(o.Value).Distinct().Count());
        Assert.Equal(256, Enumerable.Range(0, 256).Select(new UniformBins(256).Value).Distinct().Count());
        // Round trip within half a bin.
        var rng = new NumpyRandomState(1);
        for (int i = 0; i < 1000; i++)
        {
            double x = rng.NextDouble() * 2 - 1;
            Assert.True(Math.Abs(o.Value(o.Token(x)) - x) <= 1.0 / 255 + 1e-9);
            Assert.True(Math.Abs(new UniformBins(256).Value(new UniformBins(256).Token(x)) - x) <= 1.0 / 256 + 1e-9);
        }
    }

    [Fact]
    public void Quantile_bins_hold_equal_counts_on_a_known_distribution()
    {
        // 4000 draws of an exponential (skewed) in dim 0 and a uniform in dim 1; 8 bins: 500 each, within sampling of the edges.
        var rng = new NumpyRandomState(3);
        var values = new float[8000];
        for (int i = 0; i < 4000; i++) { values[2 * i] = (float)-Math.Log(1 - rng.NextDouble()); values[2 * i + 1] = (float)rng.NextDouble(); }
        var q = QuantileBins.Fit(values, 2, 8);
        foreach (int d in new[] { 0, 1 })
        {
            var counts = new int[8];
            for (int i = 0; i < 4000; i++) counts[q.Token(values[2 * i + d], d)]++;
            Assert.All(counts, n => Assert.InRange(n, 495, 505));
        }
        // The exponential's median edge is ln 2 = 0.693 (a known quantile), within sampling error.
        Assert.Equal(Math.Log(2), q.Edges[0][4], 1);
    }

    [Fact]
    public void Dct_matches_scipy_and_rounding_bounds_the_fast_error()
    {
        // scipy.fft.dct([1, 2, 3, 4], norm="ortho") = [5, -2.2304425, 0, -0.1585127] (7 decimals).
        var c = Dct.Forward([1f, 2f, 3f, 4f], 4, 1);
        Assert.Equal([5, -2.2304425, 0, -0.1585127], c.Select(v => Math.Round(v, 7)).ToArray());
        // A constant chunk c = 0.3, T = 10, D = 2: only Q[0, d] = round(10·0.3·√10) = 9 is non-zero; it decodes to 9 / (10·√10).
        var constant = Enumerable.Repeat(0.3f, 20).ToArray();
        var fast = FastTokenizer.Fit([constant], 10, 2, vocabSize: 16);
        Assert.Equal([9, 9, .. Enumerable.Repeat(0, 18)], fast.Coefficients(constant, 10, 2));
        var (back, valid) = fast.Decode(fast.Encode(constant, 10, 2), 10, 2);
        Assert.True(valid);
        Assert.All(back, v => Assert.Equal(9 / (10 * Math.Sqrt(10)), v, 5));
        // Random smooth chunks: the orthonormal DCT keeps the squared error, so the RMS error ≤ 0.5 / scale.
        var rng = new NumpyRandomState(5);
        var chunks = Enumerable.Range(0, 200).Select(_ => SmoothChunk(rng, 16, 2)).ToList();
        var tok = FastTokenizer.Fit(chunks[..150], 16, 2, vocabSize: 256);
        foreach (var chunk in chunks[150..])
        {
            var (decoded, ok) = tok.Decode(tok.Encode(chunk, 16, 2), 16, 2);
            Assert.True(ok);
            double rms = Math.Sqrt(chunk.Zip(decoded, (a, b) => (double)(a - b) * (a - b)).Average());
            Assert.True(rms <= 0.5 / tok.Scale + 1e-6, $"rms {rms}");
        }
    }

    [Fact]
    public void Bpe_is_lossless_on_held_out_chunks_and_fast_needs_fewer_tokens_than_bins_on_smooth_chunks()
    {
        var rng = new NumpyRandomState(7);
        var chunks = Enumerable.Range(0, 300).Select(_ => SmoothChunk(rng, 16, 2)).ToList();
        var fast = FastTokenizer.Fit(chunks[..200], 16, 2, vocabSize: 512);
        double fastTokens = 0;
        foreach (var chunk in chunks[200..])
        {
            var symbols = fast.Coefficients(chunk, 16, 2).Select(v => Math.Clamp(v - fast.MinCoefficient, 0, fast.Bpe.Alphabet - 1)).ToArray();
            var tokens = fast.Bpe.Encode(symbols);
            Assert.Equal(symbols, fast.Bpe.Decode(tokens));
            fastTokens += tokens.Length;
        }
        fastTokens /= 100;
        Assert.True(fastTokens < 16 * 2, $"FAST: {fastTokens:F1} tokens per chunk, bins: 32");
        // A malformed sequence decodes to a chunk of the right size, flagged invalid, without throwing.
        var (bad, valid) = fast.Decode([fast.VocabSize + 3, 1], 16, 2);
        Assert.False(valid);
        Assert.Equal(32, bad.Length);
        var (shortChunk, shortValid) = fast.Decode([0], 16, 2);
        Assert.False(shortValid);
        Assert.Equal(32, shortChunk.Length);
    }

    /// <summary>A smooth (T, D) chunk in [-1, 1]: a random line plus a slow sine per dimension.</summary>
    private static float[] SmoothChunk(NumpyRandomState rng, int steps, int dims)
    {
        var c = new float[steps * dims];
        for (int d = 0; d < dims; d++)
        {
            double start = rng.NextDouble() - 0.5, slope = (rng.NextDouble() - 0.5) / steps, amp = 0.2 * rng.NextDouble(), phase = rng.NextDouble() * 6;
            for (int t = 0; t < steps; t++) c[t * dims + d] = (float)(start + slope * t + amp * Math.Sin(phase + t * 0.2));
        }
        return c;
    }
}
