using Mimicry.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Policies.DecisionTransformer;

/// <summary>
/// The Decision Transformer's network (kzl/decision-transformer gym/decision_transformer/models/decision_transformer.py;
/// module names as there): returns, states and actions embedded, each plus the learned embedding of its timestep
/// (the only positional signal; or of its place in the context, <see cref="DtPositions.Context"/>), interleaved (R̂_1, s_1, a_1, R̂_2, ...), LayerNorm, a causal GPT, and a tanh head
/// on the state tokens: s_t predicts a_t (or the chunk a_t .. a_t+C−1) from R̂_≤t, s_≤t, a_&lt;t.
/// </summary>
public sealed class DecisionTransformerNetwork : nn.Module
{
    private readonly Embedding embed_timestep;
    private readonly Linear embed_return, embed_state, embed_action;
    private readonly LayerNorm embed_ln;
    private readonly Dropout drop;
    private readonly ModuleList<GptBlock> h;
    private readonly LayerNorm ln_f;
    private readonly Sequential predict_action;
    private readonly int _maxEpisodeLength;
    private readonly DtPositions _positions;

    public DecisionTransformerNetwork(DecisionTransformerConfig cfg, int stateDim, int actionDim) : base(nameof(DecisionTransformerNetwork))
    {
        int d = cfg.EmbedDim;
        _positions = cfg.Positions;
        _maxEpisodeLength = cfg.Positions == DtPositions.Timestep ? cfg.MaxEpisodeLength : cfg.Context;
        embed_timestep = nn.Embedding(_maxEpisodeLength, d);
        embed_return = nn.Linear(1, d);
        embed_state = nn.Linear(stateDim, d);
        embed_action = nn.Linear(actionDim, d);
        embed_ln = nn.LayerNorm(d);
        drop = nn.Dropout(cfg.Dropout);
        h = nn.ModuleList(Enumerable.Range(0, cfg.NLayer).Select(_ => new GptBlock(d, cfg.NHead, 4 * d, cfg.Dropout, cfg.Activation)).ToArray());
        ln_f = nn.LayerNorm(d);
        predict_action = nn.Sequential(nn.Linear(d, cfg.ChunkSize * actionDim), nn.Tanh());
        RegisterComponents();
        // GPT-2's _init_weights inside the transformer: Linear weights ~ N(0, 0.02), biases 0.
        using (torch.no_grad())
            foreach (var (name, p) in h.named_parameters())
            {
                if (name.Contains("ln_")) continue;
                if (p.dim() > 1) nn.init.normal_(p, 0, 0.02);
                else nn.init.zeros_(p);
            }
    }

    /// <param name="states">(B, K, s) normalized.</param>
    /// <param name="actions">(B, K, a) normalized (the newest may be a placeholder: causality hides it from s_K).</param>
    /// <param name="returns">(B, K) scaled returns.</param>
    /// <param name="timesteps">(B, K) frame indices (ignored with context positions: 0 .. K − 1).</param>
    /// <param name="pad">(B, K) bool, true = padding before the episode's start.</param>
    /// <returns>(B, K, C·a): the chunk a_t .. a_t+C−1 predicted at each state token (C = chunk_size; 1: the reference's one action).</returns>
    public Tensor forward(Tensor states, Tensor actions, Tensor returns, Tensor timesteps, Tensor pad)
    {
        using var scope = torch.NewDisposeScope();
        long b = states.shape[0], k = states.shape[1];
        var index = _positions == DtPositions.Context ? torch.arange(k, device: states.device).expand(b, k) : timesteps.to(ScalarType.Int64).clamp(0, _maxEpisodeLength - 1);
        var time = embed_timestep.forward(index); // (B, K, D)
        var r = embed_return.forward(returns.unsqueeze(-1)) + time;
        var s = embed_state.forward(states) + time;
        var a = embed_action.forward(actions) + time;
        var x = torch.stack([r, s, a], dim: 2).reshape(b, 3 * k, -1); // (B, 3K, D): R̂_1, s_1, a_1, R̂_2, ...
        x = drop.forward(embed_ln.forward(x));
        var tokenPad = pad.unsqueeze(2).expand(b, k, 3).reshape(b, 3 * k);
        foreach (var block in h) x = block.forward(x, tokenPad);
        x = ln_f.forward(x).reshape(b, k, 3, -1);
        return predict_action.forward(x[.., .., 1]).MoveToOuterDisposeScope(); // from the state tokens
    }
}
