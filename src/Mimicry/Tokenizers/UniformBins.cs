namespace Mimicry.Tokenizers;

/// <summary>Where uniform bins put their edges and decoded values.</summary>
public enum BinConvention
{
    /// <summary>K equal bins over [-1, 1]: bin k = [−1 + 2k/K, −1 + 2(k+1)/K), decoded to its centre −1 + (2k+1)/K; K distinct values.</summary>
    Centers,
    /// <summary>OpenVLA's (prismatic/vla/action_tokenizer.py): edges linspace(−1, 1, K), i = digitize(x, edges) ∈ [1, K],
    /// decoded to centre min(i − 1, K − 2) of the K − 1 intervals; only K − 1 distinct values (x = 1 shares the last).
    /// Token = i − 1 here; OpenVLA's vocabulary id is V − i.</summary>
    OpenVla,
}

/// <summary>
/// RT-2 / OpenVLA action bins: every value of the chunk becomes one token, independently (T·D tokens per chunk).
/// Inputs are clipped to [-1, 1] (OpenVLA normalizes with q01/q99 and clips). Default convention: <see cref="BinConvention.Centers"/>,
/// which uses all K tokens; <see cref="BinConvention.OpenVla"/> reproduces OpenVLA's ids for interoperability.
/// </summary>
public sealed class UniformBins(int bins = 256, BinConvention convention = BinConvention.Centers) : IActionTokenizer
{
    public int Bins { get; } = bins >= 2 ? bins : throw new ArgumentOutOfRangeException(nameof(bins), bins, "need at least 2 bins");
    public BinConvention Convention { get; } = convention;
    public string Name => $"bins{Bins}{(Convention == BinConvention.OpenVla ? "-openvla" : "")}";
    public int VocabSize => Bins;

    public int Token(double x)
    {
        x = double.IsNaN(x) ? 0 : Math.Clamp(x, -1, 1);
        if (Convention == BinConvention.Centers) return Math.Min((int)Math.Floor((x + 1) / 2 * Bins), Bins - 1);
        // np.digitize(x, linspace(-1, 1, K)): the number of edges ≤ x, in [1, K].
        double width = 2.0 / (Bins - 1);
        int i = Math.Min((int)Math.Floor((x + 1) / width) + 1, Bins);
        return i - 1;
    }

    public double Value(int token)
    {
        if (Convention == BinConvention.Centers) return -1 + (2.0 * Math.Clamp(token, 0, Bins - 1) + 1) / Bins;
        int k = Math.Clamp(token, 0, Bins - 2); // OpenVLA: clip(V - id - 1, 0, K - 2) = clip(i - 1, 0, K - 2)
        double width = 2.0 / (Bins - 1);
        return -1 + (k + 0.5) * width;
    }

    public int[] Encode(ReadOnlySpan<float> chunk, int steps, int dims)
    {
        var tokens = new int[chunk.Length];
        for (int i = 0; i < chunk.Length; i++) tokens[i] = Token(chunk[i]);
        return tokens;
    }

    public (float[] Chunk, bool Valid) Decode(ReadOnlySpan<int> tokens, int steps, int dims)
    {
        var chunk = new float[steps * dims];
        bool valid = tokens.Length == chunk.Length;
        for (int i = 0; i < Math.Min(tokens.Length, chunk.Length); i++)
        {
            valid &= tokens[i] >= 0 && tokens[i] < Bins;
            chunk[i] = (float)Value(tokens[i]);
        }
        return (chunk, valid);
    }
}
