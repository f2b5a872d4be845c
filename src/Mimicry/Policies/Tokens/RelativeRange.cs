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
    public static RelativeRange Fit(EpisodeDataset data, IReadOnlyList<int> episodes, string observationKey, int[] reference, int length) =>
        Fit(data.Values(FeatureKeys.Action), References(data, observationKey, reference), reference.Length, data.EpisodeEnds, episodes, length);

    /// <param name="actions">Every frame's action (Da values per frame).</param>
    /// <param name="references">Every frame's reference o[c] (Da values per frame).</param>
    public static RelativeRange Fit(float[] actions, float[] references, int da, long[] episodeEnds, IReadOnlyList<int> episodes, int length)
    {
        var values = RawChunks(actions, references, da, episodeEnds, episodes, length).SelectMany(c => c).ToArray();
        var (min, half) = ActionChunks.Range(values, da);
        return new RelativeRange(min, half);
    }

    /// <summary>Every frame's relative chunk (L·Da values, row-major), normalized to [−1, 1] by this range.</summary>
    public List<float[]> Chunks(EpisodeDataset data, IReadOnlyList<int> episodes, string observationKey, int[] reference, int length) =>
        RawChunks(data.Values(FeatureKeys.Action), References(data, observationKey, reference), reference.Length, data.EpisodeEnds, episodes, length)
            .Select(c => ActionChunks.Normalize(c, Min, Half)).ToList();

    /// <summary>o[c] of every frame (Da values per frame), checked against the action's size.</summary>
    private static float[] References(EpisodeDataset data, string observationKey, int[] reference)
    {
        int da = reference.Length, dObs = data.Feature(observationKey).Size;
        if (data.Feature(FeatureKeys.Action).Size != da) throw new ArgumentException($"policy.action_reference has {da} components for {data.Feature(FeatureKeys.Action).Size} action dimensions");
        var observations = data.Values(observationKey);
        var result = new float[data.Frames * da];
        for (long t = 0; t < data.Frames; t++)
            for (int d = 0; d < da; d++) result[t * da + d] = observations[t * dObs + reference[d]];
        return result;
    }

    /// <summary>a[t + k] − r[t] for k &lt; L, starting at every frame t of the episodes (the episode's last action repeated past its end).</summary>
    private static IEnumerable<float[]> RawChunks(float[] actions, float[] references, int da, long[] episodeEnds, IReadOnlyList<int> episodes, int length)
    {
        foreach (int e in episodes)
        {
            long start = EpisodeDataset.StartOf(episodeEnds, e), end = episodeEnds[e];
            for (long t = start; t < end; t++)
            {
                var chunk = new float[length * da];
                for (int k = 0; k < length; k++)
                {
                    long frame = Math.Min(t + k, end - 1);
                    for (int d = 0; d < da; d++) chunk[k * da + d] = actions[frame * da + d] - references[t * da + d];
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
