using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>Feed-forward activation of a transformer layer.</summary>
public enum FeedForwardActivation { Relu, Gelu }

/// <summary>
/// A DETR-style transformer encoder layer (Carion et al. 2020; ACT's, lerobot/policies/act/modeling_act.py
/// ACTEncoderLayer): positions are added to queries and keys at every layer, never to values.
/// Post-norm: x = norm1(x + attn(x + pos, x + pos, x)); x = norm2(x + W2 drop(act(W1 x))).
/// Pre-norm normalizes before each branch instead.
/// </summary>
public sealed class DetrEncoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly MultiheadAttention self_attn;
    private readonly Linear linear1, linear2;
    private readonly LayerNorm norm1, norm2;
    private readonly Dropout dropout, dropout1, dropout2;
    private readonly bool _preNorm;
    private readonly FeedForwardActivation _activation;

    public DetrEncoderLayer(int dim, int heads, int feedForward, double dropoutRate, bool preNorm = false, FeedForwardActivation activation = FeedForwardActivation.Relu)
        : base(nameof(DetrEncoderLayer))
    {
        self_attn = new MultiheadAttention(dim, heads, dropoutRate);
        linear1 = nn.Linear(dim, feedForward);
        linear2 = nn.Linear(feedForward, dim);
        norm1 = nn.LayerNorm(dim);
        norm2 = nn.LayerNorm(dim);
        dropout = nn.Dropout(dropoutRate);
        dropout1 = nn.Dropout(dropoutRate);
        dropout2 = nn.Dropout(dropoutRate);
        _preNorm = preNorm;
        _activation = activation;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor pos) => forward(x, pos, null);

    /// <param name="x">(N, B, D).</param>
    /// <param name="pos">(N, 1 or B, D) positions, added to queries and keys.</param>
    /// <param name="keyPaddingMask">(B, N) bool, true = padding.</param>
    public Tensor forward(Tensor x, Tensor pos, Tensor? keyPaddingMask)
    {
        using var scope = torch.NewDisposeScope();
        var skip = x;
        if (_preNorm) x = norm1.forward(x);
        var qk = x + pos;
        x = skip + dropout1.forward(self_attn.forward(qk, qk, x, keyPaddingMask, null));
        if (_preNorm) { skip = x; x = norm2.forward(x); }
        else { x = norm1.forward(x); skip = x; }
        x = skip + dropout2.forward(FeedForward(x, linear1, linear2, dropout, _activation));
        if (!_preNorm) x = norm2.forward(x);
        return x.MoveToOuterDisposeScope();
    }

    internal static Tensor FeedForward(Tensor x, Linear l1, Linear l2, Dropout drop, FeedForwardActivation activation)
    {
        var h = l1.forward(x);
        h = activation == FeedForwardActivation.Relu ? nn.functional.relu(h) : nn.functional.gelu(h);
        return l2.forward(drop.forward(h));
    }
}

/// <summary>A stack of <see cref="DetrEncoderLayer"/>s; a final LayerNorm only in pre-norm (ACTEncoder).</summary>
public sealed class DetrEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<DetrEncoderLayer> layers;
    private readonly nn.Module<Tensor, Tensor> norm;

    public DetrEncoder(int layerCount, int dim, int heads, int feedForward, double dropoutRate, bool preNorm = false, FeedForwardActivation activation = FeedForwardActivation.Relu)
        : base(nameof(DetrEncoder))
    {
        layers = nn.ModuleList(Enumerable.Range(0, layerCount).Select(_ => new DetrEncoderLayer(dim, heads, feedForward, dropoutRate, preNorm, activation)).ToArray());
        norm = preNorm ? nn.LayerNorm(dim) : nn.Identity();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor pos) => forward(x, pos, null);

    /// <param name="x">(N, B, D).</param>
    /// <param name="pos">(N, 1 or B, D).</param>
    /// <param name="keyPaddingMask">(B, N) bool, true = padding.</param>
    public Tensor forward(Tensor x, Tensor pos, Tensor? keyPaddingMask)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var layer in layers) x = layer.forward(x, pos, keyPaddingMask);
        return norm.forward(x).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A DETR-style decoder layer (ACTDecoderLayer): self-attention over the queries, cross-attention to the
/// encoder's output, feed-forward; query positions added to queries and keys of the self-attention and to the
/// cross-attention's queries, encoder positions to its keys.
/// </summary>
public sealed class DetrDecoderLayer : nn.Module
{
    private readonly MultiheadAttention self_attn, multihead_attn;
    private readonly Linear linear1, linear2;
    private readonly LayerNorm norm1, norm2, norm3;
    private readonly Dropout dropout, dropout1, dropout2, dropout3;
    private readonly bool _preNorm;
    private readonly FeedForwardActivation _activation;

    public DetrDecoderLayer(int dim, int heads, int feedForward, double dropoutRate, bool preNorm = false, FeedForwardActivation activation = FeedForwardActivation.Relu)
        : base(nameof(DetrDecoderLayer))
    {
        self_attn = new MultiheadAttention(dim, heads, dropoutRate);
        multihead_attn = new MultiheadAttention(dim, heads, dropoutRate);
        linear1 = nn.Linear(dim, feedForward);
        linear2 = nn.Linear(feedForward, dim);
        norm1 = nn.LayerNorm(dim);
        norm2 = nn.LayerNorm(dim);
        norm3 = nn.LayerNorm(dim);
        dropout = nn.Dropout(dropoutRate);
        dropout1 = nn.Dropout(dropoutRate);
        dropout2 = nn.Dropout(dropoutRate);
        dropout3 = nn.Dropout(dropoutRate);
        _preNorm = preNorm;
        _activation = activation;
        RegisterComponents();
    }

    /// <param name="x">(S, B, D) queries.</param>
    /// <param name="memory">(N, B, D) encoder output.</param>
    /// <param name="memoryPos">(N, 1 or B, D).</param>
    /// <param name="queryPos">(S, 1 or B, D).</param>
    public Tensor forward(Tensor x, Tensor memory, Tensor memoryPos, Tensor queryPos)
    {
        using var scope = torch.NewDisposeScope();
        var skip = x;
        if (_preNorm) x = norm1.forward(x);
        var qk = x + queryPos;
        x = skip + dropout1.forward(self_attn.forward(qk, qk, x, null, null));
        if (_preNorm) { skip = x; x = norm2.forward(x); }
        else { x = norm1.forward(x); skip = x; }
        x = skip + dropout2.forward(multihead_attn.forward(x + queryPos, memory + memoryPos, memory, null, null));
        if (_preNorm) { skip = x; x = norm3.forward(x); }
        else { x = norm2.forward(x); skip = x; }
        x = skip + dropout3.forward(DetrEncoderLayer.FeedForward(x, linear1, linear2, dropout, _activation));
        if (!_preNorm) x = norm3.forward(x);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>A stack of <see cref="DetrDecoderLayer"/>s followed by a LayerNorm (ACTDecoder: the norm is always there).</summary>
public sealed class DetrDecoder : nn.Module
{
    private readonly ModuleList<DetrDecoderLayer> layers;
    private readonly LayerNorm norm;

    public DetrDecoder(int layerCount, int dim, int heads, int feedForward, double dropoutRate, bool preNorm = false, FeedForwardActivation activation = FeedForwardActivation.Relu)
        : base(nameof(DetrDecoder))
    {
        layers = nn.ModuleList(Enumerable.Range(0, layerCount).Select(_ => new DetrDecoderLayer(dim, heads, feedForward, dropoutRate, preNorm, activation)).ToArray());
        norm = nn.LayerNorm(dim);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor memory, Tensor memoryPos, Tensor queryPos)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var layer in layers) x = layer.forward(x, memory, memoryPos, queryPos);
        return norm.forward(x).MoveToOuterDisposeScope();
    }
}

/// <summary>Fixed 1-D sinusoidal positions (Vaswani et al. 2017 §3.5; ACT's create_sinusoidal_pos_embedding).</summary>
public static class SinusoidalPositions
{
    /// <summary>(n, dim) row-major: angle[p, j] = p / 10000^(2·floor(j/2)/dim), sin at even j, cos at odd j.</summary>
    public static float[] Values(int n, int dim)
    {
        var table = new float[n * dim];
        for (int p = 0; p < n; p++)
            for (int j = 0; j < dim; j++)
            {
                double angle = p / Math.Pow(10000, 2.0 * (j / 2) / dim);
                table[p * dim + j] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        return table;
    }
}
