using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// Multi-head scaled dot-product attention (Vaswani et al. 2017, eq. 1), sequence-first like
/// <c>torch.nn.MultiheadAttention</c> and with its parameter names (in_proj_weight (3D, D), in_proj_bias (3D),
/// out_proj), so LeRobot's ACT state dict maps across:
/// softmax(Q Kᵀ / sqrt(d_head) + mask) V per head, heads concatenated, then out_proj.
/// </summary>
public sealed class MultiheadAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;
    private readonly Dropout dropout;
    /// <summary>The score of a masked pair: finite (GPT-2 uses -1e4), so a query with every key masked — a
    /// left-padded position under a causal mask — gets a uniform, finite average instead of NaN.</summary>
    private const double Masked = -1e9;

    private readonly int _heads;
    private readonly int _dim;

    public MultiheadAttention(int dim, int heads, double dropoutRate = 0.0) : base(nameof(MultiheadAttention))
    {
        if (dim % heads != 0) throw new ArgumentException($"model dim {dim} must be divisible by the number of heads {heads}");
        _dim = dim;
        _heads = heads;
        in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim));
        in_proj_bias = nn.Parameter(torch.zeros(3 * dim));
        nn.init.xavier_uniform_(in_proj_weight); // as torch.nn.MultiheadAttention._reset_parameters
        out_proj = nn.Linear(dim, dim);
        nn.init.zeros_(out_proj.bias!);
        dropout = nn.Dropout(dropoutRate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor query, Tensor key, Tensor value) => forward(query, key, value, null, null);

    /// <param name="query">(Nq, B, D).</param>
    /// <param name="key">(Nk, B, D).</param>
    /// <param name="value">(Nk, B, D).</param>
    /// <param name="keyPaddingMask">(B, Nk) bool, true = this key is padding and is not attended to.</param>
    /// <param name="attnMask">(Nq, Nk) bool, true = not allowed (e.g. the future in a causal mask).</param>
    /// <returns>(Nq, B, D).</returns>
    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask, Tensor? attnMask)
    {
        using var scope = torch.NewDisposeScope();
        long nq = query.shape[0], nk = key.shape[0], b = query.shape[1];
        int dh = _dim / _heads;
        var w = in_proj_weight.chunk(3);
        var bias = in_proj_bias.chunk(3);
        // (N, B, D) → (B·h, N, d_head)
        Tensor Heads(Tensor x, Tensor wi, Tensor bi, long n) => nn.functional.linear(x, wi, bi).reshape(n, b * _heads, dh).transpose(0, 1);
        var q = Heads(query, w[0], bias[0], nq);
        var k = Heads(key, w[1], bias[1], nk);
        var v = Heads(value, w[2], bias[2], nk);
        var scores = torch.bmm(q, k.transpose(1, 2)) / Math.Sqrt(dh); // (B·h, Nq, Nk)
        if (attnMask is not null) scores = scores.masked_fill(attnMask.unsqueeze(0), Masked);
        if (keyPaddingMask is not null)
            scores = scores.view(b, _heads, nq, nk).masked_fill(keyPaddingMask.view(b, 1, 1, nk), Masked).view(b * _heads, nq, nk);
        var weights = dropout.forward(scores.softmax(-1));
        var heads = torch.bmm(weights, v).transpose(0, 1).reshape(nq, b, _dim); // (Nq, B, D)
        return out_proj.forward(heads).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Causal self-attention of new positions over a cache of the keys and values of the positions before them
    /// (an autoregressive decoder's KV cache): each new position attends to every cached one and to the new ones
    /// up to itself, so decoding one token costs one pass over one position, not a re-run of the sequence.
    /// Gives the same outputs as <see cref="forward(Tensor, Tensor, Tensor, Tensor?, Tensor?)"/> over the whole
    /// sequence with a causal mask.
    /// </summary>
    /// <param name="x">(N_new, B, D).</param>
    /// <param name="cache">Keys and values so far, each (B·h, N_past, d_head), or null; replaced by the extended ones (the old
    /// ones disposed). The cache's tensors belong to no dispose scope: the caller disposes the last cache.</param>
    /// <returns>(N_new, B, D).</returns>
    public Tensor ForwardCached(Tensor x, ref KvCache? cache)
    {
        using var scope = torch.NewDisposeScope();
        long n = x.shape[0], b = x.shape[1];
        int dh = _dim / _heads;
        var w = in_proj_weight.chunk(3);
        var bias = in_proj_bias.chunk(3);
        Tensor Heads(Tensor wi, Tensor bi) => nn.functional.linear(x, wi, bi).reshape(n, b * _heads, dh).transpose(0, 1);
        var q = Heads(w[0], bias[0]);
        var k = Heads(w[1], bias[1]);
        var v = Heads(w[2], bias[2]);
        if (cache is { } c) { k = torch.cat([c.Keys, k], 1); v = torch.cat([c.Values, v], 1); }
        long total = k.shape[1], past = total - n;
        var scores = torch.bmm(q, k.transpose(1, 2)) / Math.Sqrt(dh); // (B·h, N_new, N_total)
        if (n > 1) // new position i sees cached positions and new ones up to itself: keys j > past + i are the future
            scores = scores.masked_fill(torch.ones(n, total, ScalarType.Bool, x.device).triu(past + 1).unsqueeze(0), Masked);
        var weights = dropout.forward(scores.softmax(-1));
        var heads = torch.bmm(weights, v).transpose(0, 1).reshape(n, b, _dim);
        cache?.Dispose();
        cache = new KvCache(k.DetachFromDisposeScope(), v.DetachFromDisposeScope()); // owned by the caller, who disposes the cache
        return out_proj.forward(heads).MoveToOuterDisposeScope();
    }
}

/// <summary>One attention layer's cached keys and values, each (B·h, N, d_head).</summary>
public sealed record KvCache(Tensor Keys, Tensor Values) : IDisposable
{
    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}
