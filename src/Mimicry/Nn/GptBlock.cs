using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// A pre-LayerNorm transformer block with causal self-attention, as GPT-2 and nanoGPT's <c>Block</c>
/// (kzl/decision-transformer trajectory_gpt2.py Block): x = x + drop(attn(ln_1(x))); x = x + drop(W2 act(W1 ln_2(x))).
/// Batch-first (B, T, D). Position t attends to positions ≤ t that are not padding.
/// </summary>
public sealed class GptBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm ln_1, ln_2;
    private readonly MultiheadAttention attn;
    private readonly Linear c_fc, c_proj;
    private readonly Dropout resid_dropout;
    private readonly FeedForwardActivation _activation;

    public GptBlock(int dim, int heads, int feedForward, double dropoutRate, FeedForwardActivation activation = FeedForwardActivation.Gelu) : base(nameof(GptBlock))
    {
        ln_1 = nn.LayerNorm(dim);
        attn = new MultiheadAttention(dim, heads, dropoutRate);
        ln_2 = nn.LayerNorm(dim);
        c_fc = nn.Linear(dim, feedForward);
        c_proj = nn.Linear(feedForward, dim);
        resid_dropout = nn.Dropout(dropoutRate);
        _activation = activation;
        RegisterComponents();
    }

    /// <summary>(T, T) bool, true above the diagonal: the future, which position t may not see.</summary>
    public static Tensor CausalMask(long t, Device device) => torch.ones(t, t, ScalarType.Bool, device).triu(1);

    /// <param name="x">(B, T, D).</param>
    /// <param name="keyPadding">(B, T) bool, true = padding (never attended to).</param>
    public override Tensor forward(Tensor x, Tensor keyPadding)
    {
        using var scope = torch.NewDisposeScope();
        var h = ln_1.forward(x).transpose(0, 1); // (T, B, D)
        var a = attn.forward(h, h, h, keyPadding, CausalMask(x.shape[1], x.device)).transpose(0, 1);
        x = x + resid_dropout.forward(a);
        var f = c_fc.forward(ln_2.forward(x));
        f = _activation == FeedForwardActivation.Relu ? nn.functional.relu(f) : nn.functional.gelu(f);
        return (x + resid_dropout.forward(c_proj.forward(f))).MoveToOuterDisposeScope();
    }

    /// <summary>The block over new positions (B, N_new, D), attending to the cached earlier ones (see <see cref="MultiheadAttention.ForwardCached"/>); no padding.</summary>
    public Tensor ForwardCached(Tensor x, ref KvCache? cache)
    {
        using var scope = torch.NewDisposeScope();
        var h = ln_1.forward(x).transpose(0, 1); // (N_new, B, D)
        var a = attn.ForwardCached(h, ref cache).transpose(0, 1);
        x = x + resid_dropout.forward(a);
        var f = c_fc.forward(ln_2.forward(x));
        f = _activation == FeedForwardActivation.Relu ? nn.functional.relu(f) : nn.functional.gelu(f);
        return (x + resid_dropout.forward(c_proj.forward(f))).MoveToOuterDisposeScope();
    }
}
