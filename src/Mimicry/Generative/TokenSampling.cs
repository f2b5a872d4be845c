using Mimicry.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Generative;

/// <summary>
/// Choosing the next token from a language-model head: greedy (argmax), or a draw from softmax(logits / T)
/// restricted to the nucleus, the smallest set of most likely tokens whose probabilities reach top_p
/// (Holtzman et al. 2020, "The Curious Case of Neural Text Degeneration", §3.1).
/// </summary>
public static class TokenSampling
{
    /// <param name="logits">(B, V); tokens that may not be chosen already −∞.</param>
    /// <param name="temperature">0: greedy.</param>
    /// <param name="topP">1: no nucleus cut.</param>
    /// <returns>(B) int64.</returns>
    public static Tensor Next(Tensor logits, double temperature, double topP, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        if (temperature == 0) return logits.argmax(-1).MoveToOuterDisposeScope();
        var probs = (logits / temperature).softmax(-1);
        if (topP < 1)
        {
            var (sorted, order) = probs.sort(-1, descending: true);
            var before = sorted.cumsum(-1) - sorted;          // mass of the tokens ranked above each one
            sorted = sorted.masked_fill(before >= topP, 0);     // keep a token while the mass above it is below top_p
            probs = torch.zeros_like(probs).scatter(-1, order, sorted);
        }
        return RandomDraws.Categorical(probs, generator).squeeze(-1).MoveToOuterDisposeScope();
    }
}
