using Mimicry.Data;
using Mimicry.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Tokens;

/// <summary>
/// Relative actions' min/max per action dimension: a[t + k] − o[t][c] over every chunk of the training episodes
/// (k &lt; L, the episode's last action repeated past its end, o the observation at the chunk's first frame), and the
/// map to [−1, 1] the tokenizers bin.
/// </summary>
public sealed record RelativeRange(double[] Min, double[] Half)
{
    public static RelativeRange Fit(EpisodeDataset data, IReadOnlyList<int> episodes, string observationKey, int[] reference, int length)
    {
        var values = RawChunks(data, episodes, observationKey, reference, length).SelectMany(c => c).ToArray();
        var (min, half) = ActionChunks.Range(values, reference.Length);
        return new RelativeRange(min, half);
    }

    /// <summary>Every frame's relative chunk (L·Da values, row-major), normalized to [−1, 1] by this range.</summary>
    public List<float[]> Chunks(EpisodeDataset data, IReadOnlyList<int> episodes, string observationKey, int[] reference, int length) =>
        RawChunks(data, episodes, observationKey, reference, length).Select(c => ActionChunks.Normalize(c, Min, Half)).ToList();

    private static IEnumerable<float[]> RawChunks(EpisodeDataset data, IReadOnlyList<int> episodes, string observationKey, int[] reference, int length)
    {
        var actions = data.Values(FeatureKeys.Action);
        var observations = data.Values(observationKey);
        int da = reference.Length, dObs = data.Feature(observationKey).Size;
        if (data.Feature(FeatureKeys.Action).Size != da) throw new ArgumentException($"policy.action_reference has {da} components for {data.Feature(FeatureKeys.Action).Size} action dimensions");
        foreach (int e in episodes)
        {
            long start = data.EpisodeStart(e), end = data.EpisodeEnds[e];
            for (long t = start; t < end; t++)
            {
                var chunk = new float[length * da];
                for (int k = 0; k < length; k++)
                {
                    long frame = Math.Min(t + k, end - 1);
                    for (int d = 0; d < da; d++) chunk[k * da + d] = actions[frame * da + d] - observations[t * dObs + reference[d]];
                }
                yield return chunk;
            }
        }
    }

    /// <summary>(x − min) / half − 1 over the last dimension (Da).</summary>
    public Tensor Normalize(Tensor x)
    {
        using var min = torch.tensor(Min, device: x.device).to(x.dtype);
        using var half = torch.tensor(Half, device: x.device).to(x.dtype);
        return (x - min) / half - 1;
    }

    /// <summary>(y + 1) · half + min over the last dimension (Da).</summary>
    public Tensor Unnormalize(Tensor y)
    {
        using var min = torch.tensor(Min, device: y.device).to(y.dtype);
        using var half = torch.tensor(Half, device: y.device).to(y.dtype);
        return (y + 1) * half + min;
    }
}
