namespace Mimicry.Nn;

/// <summary>
/// Floating-point operations of the matrix products in one forward pass of the transformer layers in
/// <see cref="DetrEncoderLayer"/>, <see cref="DetrDecoderLayer"/> and <see cref="GptBlock"/>, per sequence
/// (multiply by the batch). A multiply-add counts 2. Norms, softmax and activations are left out: they are
/// O(T·D) against the products' O(T·D²). Training ≈ 3× forward (the backward pass costs two forwards,
/// Kaplan et al. 2020 §2.1).
/// </summary>
public static class TransformerFlops
{
    /// <summary>Linear layer: 2·in·out per row.</summary>
    public static double Linear(double rows, int inDim, int outDim) => 2.0 * rows * inDim * outDim;

    /// <summary>Multi-head attention of <paramref name="queries"/> over <paramref name="keys"/> (model dim D):
    /// Q projection 2·Nq·D², K and V 4·Nk·D², scores and weighted sum 4·Nq·Nk·D, output projection 2·Nq·D².</summary>
    public static double Attention(double queries, double keys, int dim) =>
        4.0 * queries * dim * dim + 4.0 * keys * dim * dim + 4.0 * queries * keys * dim;

    /// <summary>Self-attention plus the two-layer feed-forward block over T tokens: 8TD² + 4T²D + 4TDF.</summary>
    public static double EncoderLayer(double tokens, int dim, int feedForward) =>
        Attention(tokens, tokens, dim) + Linear(tokens, dim, feedForward) + Linear(tokens, feedForward, dim);

    /// <summary>Self-attention over S queries, cross-attention to M memory tokens, feed-forward.</summary>
    public static double DecoderLayer(double queries, double memory, int dim, int feedForward) =>
        Attention(queries, queries, dim) + Attention(queries, memory, dim) + Linear(queries, dim, feedForward) + Linear(queries, feedForward, dim);
}
