using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// The extra condition of classifier-free guidance (Ho &amp; Salimans 2022, Alg. 1): c (B, Dc) → Linear → (B, E),
/// or, where <c>keep</c> is false, a learned null embedding ∅ (E). A learned ∅ rather than zeros: a legitimate
/// condition may embed to zero (a return of 0, a side coded 0), and ∅ must never be one of them
/// (../shared/notes/specs/flow-cfg.md §7; Decision Diffuser and BESO use zeros).
/// </summary>
public sealed class ClassifierFreeCondition : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear embed;
    private readonly Parameter null_embedding;

    public int EmbedDim { get; }

    public ClassifierFreeCondition(int conditionDim, int embedDim) : base(nameof(ClassifierFreeCondition))
    {
        EmbedDim = embedDim;
        embed = nn.Linear(conditionDim, embedDim);
        null_embedding = nn.Parameter(torch.randn(embedDim) * 0.02);
        RegisterComponents();
    }

    /// <param name="condition">(B, Dc) normalized condition.</param>
    /// <param name="keep">(B) bool: false selects ∅ for that row.</param>
    /// <returns>(B, E).</returns>
    public override Tensor forward(Tensor condition, Tensor keep)
    {
        using var scope = torch.NewDisposeScope();
        var e = embed.forward(condition);
        return torch.where(keep.unsqueeze(1), e, null_embedding.unsqueeze(0).expand_as(e)).MoveToOuterDisposeScope();
    }
}
