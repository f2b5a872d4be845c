using Mimicry.Data;

namespace Mimicry.Policies;

/// <summary>
/// A policy with parts fitted to the training data besides its normalizers: a tokenizer's quantile edges or BPE
/// merges. The trainer fits them once on the training episodes before the first step; checkpoints keep them
/// beside the weights (<c>fitted.json</c>) and loading restores them, so acting never needs the dataset.
/// </summary>
public interface IFittedPolicy
{
    /// <summary>Fits the data-dependent parts on the given training episodes (deterministic for the same data and config).</summary>
    void Fit(EpisodeDataset data, IReadOnlyList<int> episodes);

    /// <summary>The fitted parts, as JSON.</summary>
    string SaveFitted();

    /// <summary>Restores the fitted parts; <paramref name="source"/> names the file for error messages.</summary>
    void LoadFitted(string json, string source);
}
