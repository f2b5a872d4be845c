using Mimicry.Data;

namespace Mimicry.Tokenizers;

/// <summary>The action chunks a tokenizer is fitted and measured on.</summary>
public static class ActionChunks
{
    /// <summary>Per dimension of frames × <paramref name="dims"/> values: the minimum and half the range (at least 1e-12),
    /// the min/max normalization to [−1, 1] the token policy applies.</summary>
    public static (double[] Min, double[] Half) Range(ReadOnlySpan<float> actions, int dims)
    {
        var min = new double[dims];
        var half = new double[dims];
        for (int d = 0; d < dims; d++)
        {
            float lo = float.MaxValue, hi = float.MinValue;
            for (int t = d; t < actions.Length; t += dims) { lo = Math.Min(lo, actions[t]); hi = Math.Max(hi, actions[t]); }
            min[d] = lo;
            half[d] = Math.Max(1e-12, (hi - (double)lo) / 2);
        }
        return (min, half);
    }

    /// <summary>(a − min) / half − 1 per value: <paramref name="actions"/> mapped to [−1, 1] by <see cref="Range"/>'s numbers.</summary>
    public static float[] Normalize(ReadOnlySpan<float> actions, double[] min, double[] half)
    {
        var result = new float[actions.Length];
        for (int i = 0; i < actions.Length; i++) result[i] = (float)((actions[i] - min[i % min.Length]) / half[i % min.Length] - 1);
        return result;
    }

    /// <summary>
    /// The chunk of <paramref name="length"/> actions (length·Da values, row-major) starting at every frame of the given
    /// episodes, the episode's last action repeated past its end (as the training windows pad).
    /// </summary>
    /// <param name="actions">Every frame's action (frames × Da), already normalized.</param>
    public static List<float[]> EveryFrame(EpisodeDataset data, float[] actions, int dims, int length, IEnumerable<int> episodes)
    {
        var chunks = new List<float[]>();
        foreach (int e in episodes)
        {
            long start = data.EpisodeStart(e), end = data.EpisodeEnds[e];
            for (long t = start; t < end; t++)
            {
                var c = new float[length * dims];
                for (int k = 0; k < length; k++) Array.Copy(actions, Math.Min(t + k, end - 1) * dims, c, k * dims, dims);
                chunks.Add(c);
            }
        }
        return chunks;
    }
}
