using Mimicry.Evaluation;
using Mimicry.Data;
using Mimicry.Envs.PushT;
using Mimicry.Tokenizers;
using Mimicry.Numerics;
using Mimicry.Policies.Tokens;

namespace Mimicry.Experiments.Tokenization;

/// <summary>One tokenizer's open-loop replays of the human demonstrations: what its rounding alone does to the task.</summary>
/// <param name="AvgMaxReward">Mean over episodes of the best reward, clip(coverage / 0.95, 0, 1): the DP paper's metric.</param>
/// <param name="SuccessRate">Episodes whose coverage passed 0.95 (the environment's success).</param>
/// <param name="MeanAbsRewardChange">Mean over episodes of |best reward − the unquantized replay's|.</param>
/// <param name="ActionRmse">Reconstruction error of the replayed actions, in pixels (both dimensions).</param>
/// <param name="TokensPerChunk">Mean tokens per replayed chunk (bins: chunk × 2; FAST: what its rounding kept); null for the recorded actions.</param>
public sealed record QuantizedReplayRow(string Tokenizer, int Vocab, double AvgMaxReward, double SuccessRate, double MeanAbsRewardChange, double ActionRmse,
    double? TokensPerChunk = null);

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
    /// <summary>Name prefix of the rows whose actions were tokenized relative to the agent's position.</summary>
    public const string RelativePrefix = "relative ";

    /// <param name="range">The normalization's per-dimension min and half range (<see cref="ActionChunks.Range"/> of every action).</param>
    /// <param name="relative">Tokenizers applied to a − p instead (p: the agent's recorded position at the chunk's first frame, the
    /// token policy's policy.action_reference), normalized by <see cref="RelativeRangeOf"/>.</param>
    public static IReadOnlyList<QuantizedReplayRow> Run(PushTReplayBuffer demos, IReadOnlyList<int> episodes, IReadOnlyList<IActionTokenizer?> tokenizers,
        int chunk, (double[] Min, double[] Half) range, IReadOnlyList<IActionTokenizer>? relative = null)
    {
        var baseline = Replay(demos, episodes, null, chunk, range, false);
        var rows = new List<QuantizedReplayRow>();
        QuantizedReplayRow Row(string name, int vocab, (double[] Rewards, bool[] Successes, double Rmse, double? Tokens) r) => new(name, vocab, r.Rewards.Average(),
            r.Successes.Count(s => s) / (double)r.Successes.Length, r.Rewards.Zip(baseline.Rewards, (a, b) => Math.Abs(a - b)).Average(), r.Rmse, r.Tokens);
        foreach (var tokenizer in tokenizers)
            rows.Add(Row(tokenizer?.Name ?? "none (recorded actions)", tokenizer?.VocabSize ?? 0, tokenizer == null ? baseline : Replay(demos, episodes, tokenizer, chunk, range, false)));
        if (relative is { Count: > 0 })
        {
            var relativeRange = RelativeRangeOf(demos, chunk);
            foreach (var tokenizer in relative)
                rows.Add(Row(RelativePrefix + tokenizer.Name, tokenizer.VocabSize, Replay(demos, episodes, tokenizer, chunk, relativeRange, true)));
        }
        return rows;
    }

    /// <summary>Min and half range of a[t + k] − p[t] over every frame t and k &lt; chunk (the episode's last action repeated past
    /// its end; p the agent's position), fitted by the token policy's own <see cref="RelativeRange"/>.</summary>
    public static (double[] Min, double[] Half) RelativeRangeOf(PushTReplayBuffer demos, int chunk)
    {
        var range = RelativeRange.Fit(demos.Action, AgentPositions(demos), 2, demos.EpisodeEnds, Enumerable.Range(0, demos.Episodes).ToList(), chunk);
        return (range.Min, range.Half);
    }

    /// <summary>DP's Push-T state: agent x, y, block x, y, angle.</summary>
    private const int StateDim = 5;

    /// <summary>The episode's actions (raw pixels) after a round trip through the tokenizer, chunk by chunk; with
    /// <paramref name="reference"/> (the agent's position at each frame, 2 values per frame) each chunk is tokenized as a − p of its first frame.</summary>
    public static float[] RoundTrip(ReadOnlySpan<float> actions, IActionTokenizer tokenizer, int chunk, double[] min, double[] half, ReadOnlySpan<float> reference = default) =>
        RoundTrip(actions, tokenizer, chunk, min, half, out _, reference);

    /// <summary><see cref="RoundTrip(ReadOnlySpan{float}, IActionTokenizer, int, double[], double[], ReadOnlySpan{float})"/>, counting the tokens of every chunk.</summary>
    public static float[] RoundTrip(ReadOnlySpan<float> actions, IActionTokenizer tokenizer, int chunk, double[] min, double[] half, out int tokens, ReadOnlySpan<float> reference = default)
    {
        int da = min.Length, steps = actions.Length / da;
        tokens = 0;
        var result = new float[actions.Length];
        var window = new float[chunk * da];
        for (int start = 0; start < steps; start += chunk)
        {
            for (int k = 0; k < chunk; k++)
            {
                int t = Math.Min(start + k, steps - 1); // pad the last chunk with its final action
                actions.Slice(t * da, da).CopyTo(window.AsSpan(k * da, da));
                if (!reference.IsEmpty) for (int d = 0; d < da; d++) window[k * da + d] -= reference[start * da + d];
            }
            var encoded = tokenizer.Encode(ActionChunks.Normalize(window, min, half), chunk, da);
            tokens += encoded.Length;
            var (back, _) = tokenizer.Decode(encoded, chunk, da);
            for (int k = 0; k < chunk && start + k < steps; k++)
                for (int d = 0; d < da; d++)
                    result[(start + k) * da + d] = (float)((back[k * da + d] + 1) * half[d] + min[d] + (reference.IsEmpty ? 0 : reference[start * da + d]));
        }
        return result;
    }

    private static (double[] Rewards, bool[] Successes, double Rmse, double? TokensPerChunk) Replay(PushTReplayBuffer demos, IReadOnlyList<int> episodes, IActionTokenizer? tokenizer,
        int chunk, (double[] Min, double[] Half) range, bool relative)
    {
        var rewards = new double[episodes.Count];
        var successes = new bool[episodes.Count];
        var squared = new double[episodes.Count];
        var tokens = new int[episodes.Count];
        var positions = relative ? AgentPositions(demos) : null;
        Parallelism.For(0, episodes.Count, () => new PushTEnv(), (i, env) =>
        {
            int e = episodes[i];
            var recorded = demos.Action.AsSpan((int)demos.EpisodeStart(e) * 2, demos.EpisodeLength(e) * 2);
            var reference = positions == null ? default : positions.AsSpan((int)demos.EpisodeStart(e) * 2, demos.EpisodeLength(e) * 2);
            var actions = tokenizer == null ? null : RoundTrip(recorded, tokenizer, chunk, range.Min, range.Half, out tokens[i], reference);
            for (int j = 0; actions != null && j < actions.Length; j++) squared[i] += (actions[j] - recorded[j]) * (double)(actions[j] - recorded[j]);
            // The best reward and success of the episode, as the environment defines both (reward is monotone in coverage).
            double best = PushTReplay.Replay(demos, e, env, actions: actions).MaxCoverage;
            rewards[i] = Math.Clamp(best / PushTGeometry.SuccessThreshold, 0, 1);
            successes[i] = best > PushTGeometry.SuccessThreshold;
        });
        long values = episodes.Sum(e => demos.EpisodeLength(e) * 2L);
        long chunks = episodes.Sum(e => (demos.EpisodeLength(e) + chunk - 1L) / chunk);
        return (rewards, successes, Math.Sqrt(squared.Sum() / values), tokenizer == null ? null : tokens.Sum(t => (long)t) / (double)chunks);
    }

    /// <summary>The agent's recorded position at every frame (x, y per frame).</summary>
    private static float[] AgentPositions(PushTReplayBuffer demos)
    {
        var p = new float[demos.Steps * 2];
        for (int t = 0; t < demos.Steps; t++) { p[t * 2] = demos.State[t * StateDim]; p[t * 2 + 1] = demos.State[t * StateDim + 1]; }
        return p;
    }

    /// <summary>Chunks of <paramref name="chunk"/> normalized actions at every 7th frame of every episode: what FAST's BPE is fitted on.</summary>
    public static List<float[]> FastFitChunks(PushTReplayBuffer demos, float[] normalized, int chunk) =>
        Enumerable.Range(0, demos.Episodes).SelectMany(e => Enumerable.Range(0, Math.Max(0, (demos.EpisodeLength(e) - chunk) / 7 + 1))
            .Select(k => normalized.AsSpan(((int)demos.EpisodeStart(e) + 7 * k) * 2, chunk * 2).ToArray())).ToList();

    /// <summary>Fact names of <see cref="ForComparison"/>'s rows: "replay/" + the row's tokenizer name.</summary>
    public static string FactName(string tokenizer) => "replay/" + tokenizer;

    /// <summary>
    /// The replay rows a comparison quotes beside its learned token rows: the recorded actions, 256 uniform bins (RT-2 /
    /// OpenVLA), FAST at γ 10 and 20, and 128 bins relative to the agent's position, on every demonstration.
    /// </summary>
    public static IReadOnlyList<QuantizedReplayRow> ForComparison(PushTReplayBuffer demos, int chunk)
    {
        var range = ActionChunks.Range(demos.Action, 2);
        var fitChunks = FastFitChunks(demos, ActionChunks.Normalize(demos.Action, range.Min, range.Half), chunk);
        var tokenizers = new List<IActionTokenizer?> { null, new UniformBins(256), FastTokenizer.Fit(fitChunks, chunk, 2), FastTokenizer.Fit(fitChunks, chunk, 2, scale: 20) };
        return Run(demos, Enumerable.Range(0, demos.Episodes).ToList(), tokenizers, chunk, range, [new UniformBins(128)]);
    }
}
