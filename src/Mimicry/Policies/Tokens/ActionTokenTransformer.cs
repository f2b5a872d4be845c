using Mimicry.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Policies.Tokens;

/// <summary>
/// A decoder-only transformer over [observation frames; BOS; action tokens] (nanoGPT's GPT with a continuous prefix):
/// <code>
///  obs (B, To, Do) → obs_proj → (B, To, D)       tokens (B, N) → tok_emb → (B, N, D)
///  x = [obs; tokens] + pos_emb[0..To+N)  → drop → GptBlock × n_layer (causal) → ln_f → head → logits (B, To+N, V+2)
/// </code>
/// The output at sequence position To + k (the k-th input token, BOS first) predicts action token k.
/// Vocabulary: the tokenizer's V tokens, then BOS = V and EOS = V + 1.
/// </summary>
public sealed class ActionTokenTransformer : nn.Module
{
    private readonly Linear obs_proj;
    private readonly Embedding tok_emb;
    private readonly Embedding pos_emb;
    private readonly Dropout drop;
    private readonly ModuleList<GptBlock> h;
    private readonly LayerNorm ln_f;
    private readonly Linear head;

    public int Vocab { get; }
    public int Bos => Vocab;
    public int Eos => Vocab + 1;
    public int MaxPositions { get; }

    public ActionTokenTransformer(int obsDim, int obsSteps, int vocab, int maxTokens, int dim, int layers, int heads, double dropout) : base(nameof(ActionTokenTransformer))
    {
        Vocab = vocab;
        MaxPositions = obsSteps + 1 + maxTokens;
        obs_proj = nn.Linear(obsDim, dim);
        tok_emb = nn.Embedding(vocab + 2, dim);
        pos_emb = nn.Embedding(MaxPositions, dim);
        drop = nn.Dropout(dropout);
        h = nn.ModuleList(Enumerable.Range(0, layers).Select(_ => new GptBlock(dim, heads, 4 * dim, dropout)).ToArray());
        ln_f = nn.LayerNorm(dim);
        head = nn.Linear(dim, vocab + 2, hasBias: false);
        RegisterComponents();
        // nanoGPT's _init_weights: N(0, 0.02) for linear and embedding weights, zero biases.
        using (torch.no_grad())
            foreach (var (name, p) in named_parameters())
                if (name.EndsWith("weight") && p.dim() == 2) nn.init.normal_(p, 0, 0.02);
                else if (name.EndsWith("bias")) nn.init.zeros_(p);
    }

    private Tensor Embed(Tensor? obs, Tensor? tokens, long firstPosition)
    {
        var parts = new List<Tensor>();
        if (obs is not null) parts.Add(obs_proj.forward(obs));
        if (tokens is not null) parts.Add(tok_emb.forward(tokens));
        var x = parts.Count == 1 ? parts[0] : torch.cat(parts, 1);
        if (firstPosition + x.shape[1] > MaxPositions) throw new InvalidOperationException($"sequence of {firstPosition + x.shape[1]} positions, the model has {MaxPositions}");
        var pos = torch.arange(firstPosition, firstPosition + x.shape[1], device: x.device);
        return drop.forward(x + pos_emb.forward(pos));
    }

    /// <summary>Logits (B, To + N, V + 2) of the whole sequence [obs (B, To, Do); tokens (B, N)] in one causal pass (training).</summary>
    public Tensor forward(Tensor obs, Tensor tokens)
    {
        using var scope = torch.NewDisposeScope();
        var x = Embed(obs, tokens, 0);
        using var noPadding = torch.zeros(x.shape[0], x.shape[1], ScalarType.Bool, x.device);
        foreach (var block in h) x = block.forward(x, noPadding);
        return head.forward(ln_f.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One decoding step with a KV cache per layer: the new positions (the observation prefix and BOS on the first
    /// call, then one token per call) attend to the cached ones. Returns the logits of the last new position (B, V + 2).
    /// </summary>
    public Tensor Step(Tensor? obs, Tensor tokens, KvCache?[] caches, long firstPosition)
    {
        using var scope = torch.NewDisposeScope();
        var x = Embed(obs, tokens, firstPosition);
        for (int i = 0; i < h.Count; i++) x = h[i].ForwardCached(x, ref caches[i]); // caches[i] outlives this scope
        return head.forward(ln_f.forward(x[.., -1])).MoveToOuterDisposeScope();
    }
}
