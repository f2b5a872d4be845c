using Mimicry.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Policies.Bet;

/// <summary>
/// BeT's minGPT with a continuous input (diffusion_policy/model/bet/libraries/mingpt/model.py, discrete_input False):
/// <code>
///  obs (B, T, Do) → tok_emb (Linear) + pos_emb (T learned) → drop → GptBlock × n_layer (causal) → ln_f → head
///  → (B, T, K·(1 + Da)): K bin logits, then K offsets of Da values
/// </code>
/// The k-means centres ride along as a buffer.
/// minGPT's init: N(0, 0.02) weights and positions, zero biases.
/// </summary>
public sealed class BetNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Linear tok_emb;
    private readonly Parameter pos_emb;
    private readonly Dropout drop;
    private readonly ModuleList<GptBlock> blocks;
    private readonly LayerNorm ln_f;
    private readonly Linear head;
    private readonly Tensor bin_centers;

    /// <summary>The k-means centres (K, Da), normalized: a buffer, so checkpoints and the EMA copy carry them (DP keeps them in
    /// the discretizer's params_dict, part of the state dict).</summary>
    public Tensor Centers => bin_centers;

    public BetNetwork(int obsDim, int blockSize, int bins, int actionDim, int dim, int layers, int heads, double dropout) : base(nameof(BetNetwork))
    {
        tok_emb = nn.Linear(obsDim, dim);
        pos_emb = nn.Parameter(torch.zeros(1, blockSize, dim));
        drop = nn.Dropout(dropout);
        blocks = nn.ModuleList(Enumerable.Range(0, layers).Select(_ => new GptBlock(dim, heads, 4 * dim, dropout)).ToArray());
        ln_f = nn.LayerNorm(dim);
        head = nn.Linear(dim, bins * (1 + actionDim), hasBias: false);
        bin_centers = torch.zeros(bins, actionDim);
        RegisterComponents();
        using (torch.no_grad())
            foreach (var (name, p) in named_parameters())
                if (name == "pos_emb" || (name.EndsWith("weight") && p.dim() == 2)) nn.init.normal_(p, 0, 0.02);
                else if (name.EndsWith("bias")) nn.init.zeros_(p);
    }

    /// <param name="obs">(B, T, Do), T ≤ the block size.</param>
    /// <returns>(B, T, K·(1 + Da)).</returns>
    public override Tensor forward(Tensor obs)
    {
        using var scope = torch.NewDisposeScope();
        long t = obs.shape[1];
        var x = drop.forward(tok_emb.forward(obs) + pos_emb[.., ..(int)t]);
        using var noPadding = torch.zeros(x.shape[0], t, ScalarType.Bool, x.device);
        foreach (var block in blocks) x = block.forward(x, noPadding);
        return head.forward(ln_f.forward(x)).MoveToOuterDisposeScope();
    }
}
