namespace Mimicry.Tokenizers;

/// <summary>
/// FAST (Pertsch et al. 2025; physical-intelligence/fast processing_action_tokenizer.py): per dimension the
/// orthonormal DCT-II of the chunk over time, scaled by γ = 10 and rounded (half to even, as numpy),
/// flattened coefficient-major (frequency 0 of every dimension, then frequency 1, ...: index k·D + d), shifted
/// by the smallest coefficient seen in fitting, then compressed with BPE (vocabulary 1024). Smooth chunks have
/// few non-zero high frequencies, whose long runs of the same symbol BPE merges: fewer tokens than T·D bins.
/// Decoding inverts each step; a sequence that does not give T·D coefficients is truncated or zero-padded and
/// reported invalid (LeRobot's "relaxed" decode), never thrown.
/// </summary>
public sealed class FastTokenizer : IActionTokenizer
{
    public double Scale { get; init; } = 10;
    /// <summary>The smallest rounded coefficient in the fitting data: symbol = coefficient − MinCoefficient.</summary>
    public int MinCoefficient { get; init; }
    public Bpe Bpe { get; init; } = new();
    public string Name => Scale == 10 ? "fast" : $"fast-scale{Scale:0.##}";
    public int VocabSize => Bpe.VocabSize;

    /// <summary>The rounded, scaled coefficients of a chunk, coefficient-major.</summary>
    public int[] Coefficients(ReadOnlySpan<float> chunk, int steps, int dims) =>
        Dct.Forward(chunk, steps, dims).Select(c => (int)Math.Round(c * Scale, MidpointRounding.ToEven)).ToArray();

    /// <summary>Fits the symbol range and the BPE merges to training chunks (each T·D, row-major).</summary>
    public static FastTokenizer Fit(IReadOnlyList<float[]> chunks, int steps, int dims, int vocabSize = 1024, double scale = 10)
    {
        if (chunks.Count == 0) throw new ArgumentException("FAST needs chunks to fit its BPE");
        var probe = new FastTokenizer { Scale = scale };
        var coefficients = chunks.Select(c => probe.Coefficients(c, steps, dims)).ToList();
        int min = coefficients.Min(c => c.Min()), max = coefficients.Max(c => c.Max());
        int alphabet = max - min + 1;
        if (alphabet > vocabSize) throw new ArgumentException($"the rounded coefficients span {alphabet} values, more than the vocabulary of {vocabSize}: lower the scale or normalize the actions");
        var bpe = Bpe.Train(coefficients.Select(c => c.Select(v => v - min).ToArray()), alphabet, vocabSize);
        return new FastTokenizer { Scale = scale, MinCoefficient = min, Bpe = bpe };
    }

    public int[] Encode(ReadOnlySpan<float> chunk, int steps, int dims)
    {
        // Coefficients beyond the fitted range are clamped to it (the reference clamps only below).
        int top = Bpe.Alphabet - 1;
        var symbols = Coefficients(chunk, steps, dims).Select(c => Math.Clamp(c - MinCoefficient, 0, top)).ToArray();
        return Bpe.Encode(symbols);
    }

    public (float[] Chunk, bool Valid) Decode(ReadOnlySpan<int> tokens, int steps, int dims)
    {
        var symbols = Bpe.Decode(tokens);
        bool valid = symbols != null && symbols.Length == steps * dims;
        var coefficients = new double[steps * dims];
        if (symbols != null)
            for (int i = 0; i < Math.Min(symbols.Length, coefficients.Length); i++) coefficients[i] = (symbols[i] + MinCoefficient) / Scale;
        return (Dct.Inverse(coefficients, steps, dims).Select(v => (float)v).ToArray(), valid);
    }
}
