using Mimicry.Data;
using Mimicry.Data.Sampling;
using TorchSharp;

namespace Mimicry.Tests.Data;

public class SamplerTests
{
    [Fact]
    public void Windows_at_start_middle_and_end_are_padded_as_DP_does()
    {
        // One episode of 5 frames; H=4, To=2, Ta=2: pad_before 1, pad_after 1, starts -1..2.
        var d = DatasetFactory.Make(5);
        var s = new SequenceSampler(d, [0], new WindowConfig(NObsSteps: 2, Horizon: 4, NActionSteps: 2));
        Assert.Equal(4, s.Count);
        long[][] frames = [[0, 0, 1, 2], [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 4]];
        bool[][] pads = [[true, false, false, false], [false, false, false, false], [false, false, false, false], [false, false, false, true]];
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 4; k++)
                Assert.Equal((frames[i][k], pads[i][k]), s.FrameAt(i, k));
    }

    [Fact]
    public void Second_episode_windows_stay_inside_it()
    {
        var d = DatasetFactory.Make(3, 6);
        var s = new SequenceSampler(d, [1], new WindowConfig(2, 4, 2));
        // episode 1 covers frames 3..8: starts -1..3 → 5 windows
        Assert.Equal(5, s.Count);
        Assert.Equal((1, -1), s[0]);
        Assert.Equal((3L, true), s.FrameAt(0, 0));   // padded with the episode's first frame, not episode 0's last
        Assert.Equal((8L, true), s.FrameAt(4, 3));   // padded with the episode's last frame
        var dest = new float[8];
        s.Copy(0, d.Values(FeatureKeys.Action), 2, 0, 4, dest);
        Assert.Equal(new float[] { 1000, 0, 1000, 0, 1001, 0.5f, 1002, 1 }, dest);
    }

    [Fact]
    public void Pusht_default_window_count_is_length_minus_7()
    {
        // H=16, To=2, Ta=8: starts -1 .. L-16+7 → L-7 windows per episode.
        var d = DatasetFactory.Make(49, 120, 246);
        var s = new SequenceSampler(d, [0, 1, 2], new WindowConfig());
        Assert.Equal(42 + 113 + 239, s.Count);
    }

    /// <summary>DP's create_indices + sample_sequence (diffusion_policy/common/sampler.py), ported literally.</summary>
    private static List<long[]> DpWindows(long[] episodeEnds, int sequenceLength, int padBefore, int padAfter)
    {
        var result = new List<long[]>();
        for (int i = 0; i < episodeEnds.Length; i++)
        {
            long startIdx = i == 0 ? 0 : episodeEnds[i - 1], endIdx = episodeEnds[i], length = endIdx - startIdx;
            for (long idx = -padBefore; idx <= length - sequenceLength + padAfter; idx++)
            {
                long bufferStart = Math.Max(idx, 0) + startIdx, bufferEnd = Math.Min(idx + sequenceLength, length) + startIdx;
                long sampleStart = bufferStart - (idx + startIdx), sampleEnd = sequenceLength - ((idx + sequenceLength + startIdx) - bufferEnd);
                var w = new long[sequenceLength];
                for (long k = 0; k < sequenceLength; k++)
                    w[k] = k < sampleStart ? bufferStart : k >= sampleEnd ? bufferEnd - 1 : bufferStart + (k - sampleStart);
                result.Add(w);
            }
        }
        return result;
    }

    [Theory]
    [InlineData(2, 16, 8)]
    [InlineData(1, 8, 8)]
    [InlineData(3, 10, 4)]
    public void Matches_a_literal_port_of_DP_create_indices(int to, int h, int ta)
    {
        var d = DatasetFactory.Make(20, 9, 33, 16);
        var s = new SequenceSampler(d, [0, 1, 2, 3], new WindowConfig(to, h, ta));
        var dp = DpWindows(d.EpisodeEnds, h, to - 1, ta - 1);
        Assert.Equal(dp.Count, s.Count);
        for (int i = 0; i < dp.Count; i++)
            for (int k = 0; k < h; k++)
                Assert.Equal(dp[i][k], s.FrameAt(i, k).Frame);
    }

    [Fact]
    public void Split_is_seeded_disjoint_and_complete()
    {
        var a = EpisodeSplit.Create(206, 0.1, seed: 42);
        var b = EpisodeSplit.Create(206, 0.1, seed: 42);
        var c = EpisodeSplit.Create(206, 0.1, seed: 43);
        Assert.Equal(a.Train, b.Train);
        Assert.NotEqual(a.Validation, c.Validation);
        Assert.Equal(21, a.Validation.Length);
        Assert.Empty(a.Train.Intersect(a.Validation));
        Assert.Equal(Enumerable.Range(0, 206), a.Train.Concat(a.Validation).Order());
    }

    /// <summary>DP's default windows (To 2, H 16, Ta 8) over observation.state and the action.</summary>
    private static WindowSpec DpWindow() => new WindowConfig().Spec(new InputFeature(FeatureKeys.State, 0, 2), new InputFeature(FeatureKeys.Action, 0, 16));

    [Fact]
    public void Batches_have_the_right_shapes_normalization_and_padding_mask()
    {
        var d = DatasetFactory.Make(30, 25);
        d.Stats = DatasetStats.Compute(d);
        var norms = new Dictionary<string, Normalizer>
        {
            [FeatureKeys.State] = Normalizer.Create(d.Stats[FeatureKeys.State], NormalizationMode.MinMax),
            [FeatureKeys.Action] = Normalizer.Create(d.Stats[FeatureKeys.Action], NormalizationMode.MinMax),
        };
        var loader = new BatchLoader(d, [0, 1], DpWindow(), norms, batchSize: 8, seed: 1);
        using var scope = torch.NewDisposeScope();
        using var batch = loader.Next();
        Assert.Equal(new long[] { 8, 2, 2 }, batch[FeatureKeys.State].shape);
        Assert.Equal(new long[] { 8, 16, 2 }, batch.Action.shape);
        Assert.Equal(new long[] { 8, 16 }, batch.ActionIsPad.shape);
        Assert.True(batch.Action.abs().max().item<float>() <= 1.0001f);

        // Unnormalized, window i's actions are the dataset's frames at FrameAt(i, k).
        var all = loader.All().ToList();
        Assert.Equal(loader.Sampler.Count, all.Sum(b => (int)b.Size));
        var first = all[0];
        var actions = first.Action.reshape(-1, 2).clone();
        var raw = actions.data<float>().ToArray();
        norms[FeatureKeys.Action].Unnormalize(raw);
        var pad = first.ActionIsPad.data<bool>().ToArray();
        for (int k = 0; k < 16; k++)
        {
            var (frame, isPad) = loader.Sampler.FrameAt(0, k);
            Assert.Equal(d.Values(FeatureKeys.Action)[frame * 2], raw[k * 2], 3);
            Assert.Equal(isPad, pad[k]);
        }
        foreach (var b in all) b.Dispose();
    }

    [Fact]
    public void Assembling_a_batch_allocates_nothing_per_sample()
    {
        var d = DatasetFactory.Make(400, 300, 500);
        d.Stats = DatasetStats.Compute(d);
        var norms = new Dictionary<string, Normalizer>
        {
            [FeatureKeys.State] = Normalizer.Create(d.Stats[FeatureKeys.State], NormalizationMode.MinMax),
            [FeatureKeys.Action] = Normalizer.Create(d.Stats[FeatureKeys.Action], NormalizationMode.MinMax),
        };
        long Allocated(int batchSize)
        {
            var loader = new BatchLoader(d, [0, 1, 2], DpWindow(), norms, batchSize, seed: 3);
            loader.Next().Dispose(); // warm up
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) loader.Next().Dispose();
            return (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        }
        long small = Allocated(1), large = Allocated(256);
        // Per-batch overhead (tensor handles, a dictionary) is fixed; 255 more samples add (almost) nothing.
        Assert.True(large - small < 2048, $"batch of 1: {small} B, batch of 256: {large} B");
    }

    [Fact]
    public void Derived_features_are_frame_index_and_summed_return_to_go()
    {
        var d = DatasetFactory.Make(4, 3); // reward[t] = t / length
        DerivedFeatures.Ensure(d, [FeatureKeys.ReturnToGo, FeatureKeys.FrameIndex, FeatureKeys.State]);
        Assert.Equal([0f, 1, 2, 3, 0, 1, 2], d.Values(FeatureKeys.FrameIndex));
        // Episode 0 rewards 0, .25, .5, .75; episode 1 rewards 0, 1/3, 2/3.
        float[] expected = [1.5f, 1.5f, 1.25f, 0.75f, 1f, 1f, 2f / 3];
        for (int t = 0; t < 7; t++) Assert.Equal(expected[t], d.Values(FeatureKeys.ReturnToGo)[t], 5);
        DerivedFeatures.Ensure(d, [FeatureKeys.ReturnToGo]); // idempotent
        Assert.Equal(7, d.Values(FeatureKeys.ReturnToGo).Length);
    }

    [Fact]
    public void Declared_features_get_their_own_frames_and_pad_masks()
    {
        // A Decision-Transformer-like window: 3 frames of state, action and return-to-go, windows allowed to run 2 frames past the end.
        var d = DatasetFactory.Make(5);
        DerivedFeatures.Ensure(d, [FeatureKeys.ReturnToGo]);
        d.Stats = DatasetStats.Compute(d);
        var keys = new[] { FeatureKeys.State, FeatureKeys.Action, FeatureKeys.ReturnToGo };
        var spec = new WindowSpec([new(FeatureKeys.State, 0, 3, NormalizationMode.Identity), new(FeatureKeys.Action, 1, 2, NormalizationMode.Identity),
            new(FeatureKeys.ReturnToGo, 0, 3, NormalizationMode.Identity)], PadBefore: 0, PadAfter: 2);
        var norms = keys.ToDictionary(k => k, k => Normalizer.Create(d.Stats[k], NormalizationMode.Identity));
        var loader = new BatchLoader(d, [0], spec, norms, batchSize: 8, seed: 0);
        Assert.Equal(5, loader.Sampler.Count); // starts 0..4: length 5 - window 3 + pad_after 2
        using var batch = loader.Assemble([4]); // the window starting at the last frame
        Assert.Equal(new long[] { 1, 3, 2 }, batch[FeatureKeys.State].shape);
        Assert.Equal(new long[] { 1, 2, 2 }, batch.Action.shape);
        Assert.Equal([4f, -4, 4, -4, 4, -4], batch[FeatureKeys.State].data<float>().ToArray()); // frame 4, then edge padding
        Assert.Equal([false, true, true], batch.IsPad[FeatureKeys.State].data<bool>().ToArray());
        Assert.Equal([true, true], batch.ActionIsPad.data<bool>().ToArray()); // frames 5 and 6 of the episode
        Assert.Equal(0.8f, batch[FeatureKeys.ReturnToGo].data<float>()[0], 5); // reward of the last frame: 4 / 5
    }
}
