using Mimicry.Data;

namespace Mimicry.Tokenizers;

/// <summary>The action chunks a tokenizer is fitted and measured on.</summary>
public static class ActionChunks
{
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
