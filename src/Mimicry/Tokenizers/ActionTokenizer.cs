namespace Mimicry.Tokenizers;

/// <summary>
/// Turns a normalized action chunk (T steps × D dimensions, row-major, values nominally in [-1, 1]) into
/// integer tokens in [0, <see cref="VocabSize"/>) and back.
/// </summary>
public interface IActionTokenizer
{
    string Name { get; }
    int VocabSize { get; }

    int[] Encode(ReadOnlySpan<float> chunk, int steps, int dims);

    /// <summary>The chunk (T·D) a token sequence stands for. A sequence that does not decode to exactly T·D values
    /// (a model's malformed output) is truncated or zero-padded, and reported as not <c>Valid</c>; never an exception.</summary>
    (float[] Chunk, bool Valid) Decode(ReadOnlySpan<int> tokens, int steps, int dims);
}
