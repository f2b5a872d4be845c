using Mimicry.Data;
using Mimicry.Envs.PushT;
using Mimicry.Evaluation;
using Mimicry.Tokenizers;
using Mimicry.Experiments.Tokenization;

namespace Mimicry.Tests.Experiments;

public class QuantizedReplayTests
{
    [Fact]
    public void Round_trip_through_four_bins_lands_on_hand_worked_pixel_centres()
    {
        // Range 0..512 per dimension (min 0, half 256); 4 centred bins at −0.75, −0.25, 0.25, 0.75 → 64, 192, 320, 448 px.
        float[] actions = [100, 500, 250, 260, 0, 512];
        var back = QuantizedReplay.RoundTrip(actions, new UniformBins(4), chunk: 2, min: [0, 0], half: [256, 256], out int tokens);
        Assert.Equal([64f, 448f, 192f, 320f, 64f, 448f], back);
        Assert.Equal(8, tokens); // 3 actions in chunks of 2: two chunks (the second padded) of 2 × 2 values, a token each
    }

    /// <summary>Relative to the agent's position at the chunk's first frame (90, 490): a − p = (10, 10), (160, −230); range
    /// −256..256 (min −256, half 256), 4 bins centred at −192, −64, 64, 192 px → (64, 64), (192, −192), plus p back.</summary>
    [Fact]
    public void Relative_round_trip_lands_on_hand_worked_centres_around_the_chunks_first_position()
    {
        float[] actions = [100, 500, 250, 260];
        float[] positions = [90, 490, 0, 0]; // the second frame's position is not a chunk start: unused
        var back = QuantizedReplay.RoundTrip(actions, new UniformBins(4), chunk: 2, min: [-256, -256], half: [256, 256], reference: positions);
        Assert.Equal([154f, 554f, 282f, 298f], back);
    }

    [Fact]
    public void Unquantized_replay_scores_what_the_recorded_replay_reaches_and_coarse_bins_cost_reward()
    {
        var demos = PushTReplayBuffer.Load(TestData.BundledPushT);
        int[] episodes = [0, 1, 2, 3];
        // Independent of the replay: the coverage of the block poses the human demonstrations recorded (no physics), the
        // best of each episode as the DP paper scores it (0.9004 for episodes 0-3). The replay also reaches the state after
        // the last action, which the recording lacks and where the demonstrator finished (0.4-10 % more coverage per
        // episode on the first 30), so it may score more, never less; a replay that drifts from the recording scores less.
        double expected = episodes.Average(e => Enumerable.Range((int)demos.EpisodeStart(e), demos.EpisodeLength(e))
            .Max(t => Math.Clamp(PushTCoverage.Compute((demos.State[5 * t + 2], demos.State[5 * t + 3], demos.State[5 * t + 4])) / PushTGeometry.SuccessThreshold, 0, 1)));
        var rows = QuantizedReplay.Run(demos, episodes, [null, new UniformBins(1024), new UniformBins(4)], chunk: 15, ActionChunks.Range(demos.Action, 2));
        Assert.InRange(rows[0].AvgMaxReward, expected - 1e-4, expected + 0.06);
        // Tokens per chunk: none for the recorded actions, 15 × 2 for per-value bins whatever the bin count.
        Assert.Equal([null, 30.0, 30.0], rows.Select(r => r.TokensPerChunk));
        Assert.True(rows[1].ActionRmse < 0.2, $"1024 bins over ~600 px: RMSE {rows[1].ActionRmse}");
        Assert.True(Math.Abs(rows[1].AvgMaxReward - expected) < 0.05, $"1024 bins: {rows[1].AvgMaxReward} against {expected}");
        Assert.True(rows[2].AvgMaxReward < expected - 0.2, $"4 bins (~150 px wide): {rows[2].AvgMaxReward} against {expected}");
        // Replayed actions must cover the episode exactly.
        using var env = new PushTEnv();
        Assert.Throws<ArgumentException>(() => PushTReplay.Replay(demos, 0, env, actions: new float[demos.EpisodeLength(0) * 2 - 2]));
    }
}
