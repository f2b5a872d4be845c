using Mimicry.Data;
using Mimicry.Envs.PushT;
using Mimicry.Tokenizers;

namespace Mimicry.Evaluation;

/// <summary>One tokenizer's open-loop replays of the human demonstrations: what its rounding alone does to the task.</summary>
/// <param name="AvgMaxReward">Mean over episodes of the best reward, min(coverage / 0.95, 1): the DP paper's metric.</param>
/// <param name="SuccessRate">Episodes whose coverage passed 0.95.</param>
/// <param name="MeanAbsRewardChange">Mean over episodes of |best reward − the unquantized replay's|.</param>
/// <param name="ActionRmse">Reconstruction error of the replayed actions, in pixels (both dimensions).</param>
public sealed record QuantizedReplayRow(string Tokenizer, int Vocab, double AvgMaxReward, double SuccessRate, double MeanAbsRewardChange, double ActionRmse);

/// <summary>
/// The task's own tolerance to discretized actions: every human Push-T demonstration is replayed open loop from its
/// reset seed with its recorded actions passed through a tokenizer and back (min/max-normalized to [−1, 1] as the token
/// policy does, in consecutive chunks of <c>chunk</c> actions, the last one padded by repeating its final action).
/// The unquantized replay reproduces the recorded episode (<see cref="PushTReplay"/>); the difference between the two
/// is what the rounding alone costs, with no learning in the way. Open loop, so it is an upper bound on the harm:
/// a closed-loop policy corrects small errors that a replay carries forward.
/// </summary>
public static class QuantizedReplay
{
    public const double SuccessCoverage = 0.95;

    public static IReadOnlyList<QuantizedReplayRow> Run(PushTReplayBuffer demos, IReadOnlyList<int> episodes, IReadOnlyList<IActionTokenizer?> tokenizers, int chunk)
    {
        const int da = 2;
        var min = new double[da];
        var half = new double[da];
        for (int d = 0; d < da; d++)
        {
            double lo = double.MaxValue, hi = double.MinValue;
            for (int t = d; t < demos.Action.Length; t += da) { lo = Math.Min(lo, demos.Action[t]); hi = Math.Max(hi, demos.Action[t]); }
            min[d] = lo;
            half[d] = Math.Max(1e-12, (hi - lo) / 2);
        }
        var baseline = Replay(demos, episodes, null, chunk, min, half).Rewards;
        var rows = new List<QuantizedReplayRow>();
        foreach (var tokenizer in tokenizers)
        {
            var (rewards, rmse) = tokenizer == null ? (baseline, 0.0) : Replay(demos, episodes, tokenizer, chunk, min, half);
            rows.Add(new QuantizedReplayRow(tokenizer?.Name ?? "none (recorded actions)", tokenizer?.VocabSize ?? 0, rewards.Average(),
                rewards.Count(r => r >= 1) / (double)rewards.Length, rewards.Zip(baseline, (a, b) => Math.Abs(a - b)).Average(), rmse));
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
                for (int d = 0; d < da; d++) window[k * da + d] = (float)((actions[t * da + d] - min[d]) / half[d] - 1);
            }
            var (back, _) = tokenizer.Decode(tokenizer.Encode(window, chunk, da), chunk, da);
            for (int k = 0; k < chunk && start + k < steps; k++)
                for (int d = 0; d < da; d++) result[(start + k) * da + d] = (float)((back[k * da + d] + 1) * half[d] + min[d]);
        }
        return result;
    }

    private static (double[] Rewards, double Rmse) Replay(PushTReplayBuffer demos, IReadOnlyList<int> episodes, IActionTokenizer? tokenizer, int chunk, double[] min, double[] half)
    {
        var rewards = new double[episodes.Count];
        var squared = new double[episodes.Count];
        var counts = new long[episodes.Count];
        Parallelism.For(0, episodes.Count, () => new PushTEnv(), (i, env) =>
        {
            int e = episodes[i];
            var recorded = demos.Action.AsSpan((int)demos.EpisodeStart(e) * 2, demos.EpisodeLength(e) * 2);
            var actions = tokenizer == null ? recorded.ToArray() : RoundTrip(recorded, tokenizer, chunk, min, half);
            for (int j = 0; j < actions.Length; j++) squared[i] += (actions[j] - recorded[j]) * (double)(actions[j] - recorded[j]);
            counts[i] = actions.Length;
            env.Reset(e);
            double best = env.Coverage;
            for (int t = 0; t < actions.Length / 2; t++)
            {
                env.Step(actions[2 * t], actions[2 * t + 1]);
                best = Math.Max(best, env.Coverage);
            }
            rewards[i] = Math.Min(best / SuccessCoverage, 1);
        });
        return (rewards, Math.Sqrt(squared.Sum() / counts.Sum()));
    }
}
