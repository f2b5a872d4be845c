using Mimicry.Evaluation;
using Mimicry.Data;
using Mimicry.Envs.PushT;
using Mimicry.Tokenizers;
using Mimicry.Numerics;

namespace Mimicry.Experiments.Tokenization;

/// <summary>One tokenizer's open-loop replays of the human demonstrations: what its rounding alone does to the task.</summary>
/// <param name="AvgMaxReward">Mean over episodes of the best reward, clip(coverage / 0.95, 0, 1): the DP paper's metric.</param>
/// <param name="SuccessRate">Episodes whose coverage passed 0.95 (the environment's success).</param>
/// <param name="MeanAbsRewardChange">Mean over episodes of |best reward − the unquantized replay's|.</param>
/// <param name="ActionRmse">Reconstruction error of the replayed actions, in pixels (both dimensions).</param>
public sealed record QuantizedReplayRow(string Tokenizer, int Vocab, double AvgMaxReward, double SuccessRate, double MeanAbsRewardChange, double ActionRmse);

/// <summary>
/// The task's own tolerance to discretized actions: every human Push-T demonstration is replayed open loop from its
/// reset seed (<see cref="PushTReplay"/>) with its recorded actions passed through a tokenizer and back (normalized by
/// <see cref="ActionChunks.Range"/> as the token policy does, in consecutive chunks of <c>chunk</c> actions, the last
/// one padded by repeating its final action). The unquantized replay reproduces the recorded episode; the difference
/// between the two is what the rounding alone costs, with no learning in the way. Open loop, so it is an upper bound on
/// the harm: a closed-loop policy corrects small errors that a replay carries forward.
/// </summary>
public static class QuantizedReplay
{
    /// <param name="range">The normalization's per-dimension min and half range (<see cref="ActionChunks.Range"/> of every action).</param>
    public static IReadOnlyList<QuantizedReplayRow> Run(PushTReplayBuffer demos, IReadOnlyList<int> episodes, IReadOnlyList<IActionTokenizer?> tokenizers,
        int chunk, (double[] Min, double[] Half) range)
    {
        var baseline = Replay(demos, episodes, null, chunk, range);
        var rows = new List<QuantizedReplayRow>();
        foreach (var tokenizer in tokenizers)
        {
            var (rewards, successes, rmse) = tokenizer == null ? baseline : Replay(demos, episodes, tokenizer, chunk, range);
            rows.Add(new QuantizedReplayRow(tokenizer?.Name ?? "none (recorded actions)", tokenizer?.VocabSize ?? 0, rewards.Average(),
                successes.Count(s => s) / (double)successes.Length, rewards.Zip(baseline.Rewards, (a, b) => Math.Abs(a - b)).Average(), rmse));
        }
        return rows;
    }

    /// <summary>The episode's actions (raw pixels) after a round trip through the tokenizer, chunk by chunk.</summary>
    public static float[] RoundTrip(ReadOnlySpan<float> actions, IActionTokenizer tokenizer, int chunk, double[] min, double[] half)
    {
        int da = min.Length, steps = actions.Length / da;
        var result = new float[actions.Length];
        var window = new float[chunk * da];
        for (int start = 0; start < steps; start += chunk)
        {
            for (int k = 0; k < chunk; k++)
            {
                int t = Math.Min(start + k, steps - 1); // pad the last chunk with its final action
                actions.Slice(t * da, da).CopyTo(window.AsSpan(k * da, da));
            }
            var (back, _) = tokenizer.Decode(tokenizer.Encode(ActionChunks.Normalize(window, min, half), chunk, da), chunk, da);
            for (int k = 0; k < chunk && start + k < steps; k++)
                for (int d = 0; d < da; d++) result[(start + k) * da + d] = (float)((back[k * da + d] + 1) * half[d] + min[d]);
        }
        return result;
    }

    private static (double[] Rewards, bool[] Successes, double Rmse) Replay(PushTReplayBuffer demos, IReadOnlyList<int> episodes, IActionTokenizer? tokenizer,
        int chunk, (double[] Min, double[] Half) range)
    {
        var rewards = new double[episodes.Count];
        var successes = new bool[episodes.Count];
        var squared = new double[episodes.Count];
        Parallelism.For(0, episodes.Count, () => new PushTEnv(), (i, env) =>
        {
            int e = episodes[i];
            var recorded = demos.Action.AsSpan((int)demos.EpisodeStart(e) * 2, demos.EpisodeLength(e) * 2);
            var actions = tokenizer == null ? null : RoundTrip(recorded, tokenizer, chunk, range.Min, range.Half);
            for (int j = 0; actions != null && j < actions.Length; j++) squared[i] += (actions[j] - recorded[j]) * (double)(actions[j] - recorded[j]);
            // The best reward and success of the episode, as the environment defines both (reward is monotone in coverage).
            double best = PushTReplay.Replay(demos, e, env, actions: actions).MaxCoverage;
            rewards[i] = Math.Clamp(best / PushTGeometry.SuccessThreshold, 0, 1);
            successes[i] = best > PushTGeometry.SuccessThreshold;
        });
        long values = episodes.Sum(e => demos.EpisodeLength(e) * 2L);
        return (rewards, successes, Math.Sqrt(squared.Sum() / values));
    }
}
