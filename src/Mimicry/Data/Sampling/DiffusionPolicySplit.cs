namespace Mimicry.Data.Sampling;

/// <summary>
/// The Diffusion Policy paper's Push-T split, shipped as data. DP's <c>pusht_lowdim.yaml</c> sets seed 42,
/// val_ratio 0.02 and max_train_episodes 90; <c>pusht_dataset.py</c> draws
/// <c>get_val_mask(206, 0.02, seed=42)</c> then <c>downsample_mask(~val_mask, max_n=90, seed=42)</c>, both with
/// <c>np.random.default_rng(42).choice(n, k, replace=False)</c> (<c>common/sampler.py</c>). The lists below
/// are that draw, computed with numpy 1.24 on the 206-episode <c>pusht_cchi_v7_replay.zarr</c>
/// (../shared/notes/pusht-dp-split.md). They are shipped rather than recomputed because reproducing them
/// needs a bit-exact port of numpy's PCG64, SeedSequence and Generator.choice, with no numpy here to test
/// such a port against; a list can be checked by eye against the source. The other 112 episodes are used
/// by DP neither for training nor for validation; its normalizer is fitted on all 206.
/// </summary>
public static class DiffusionPolicySplit
{
    public const int PushTEpisodes = 206, TrainEpisodes = 90;

    public static readonly int[] Validation = [18, 90, 134, 157];

    public static readonly int[] Train =
    [
        7, 9, 10, 11, 13, 16, 20, 25, 26, 27, 32, 33, 35, 42, 44, 50, 51, 56, 58, 60, 61, 63, 65, 67,
        71, 73, 76, 77, 78, 81, 84, 85, 86, 89, 91, 93, 94, 97, 98, 102, 103, 109, 110, 111, 112, 117, 118, 119, 120, 122, 125,
        126, 128, 129, 130, 131, 132, 135, 137, 138, 140, 141, 145, 148, 156, 158, 159, 160, 161, 163, 165, 166, 167, 170,
        172, 174, 176, 178, 179, 183, 184, 185, 188, 189, 192, 194, 195, 198, 200, 203,
    ];

    /// <summary>DP's split of a 206-episode Push-T dataset (an error for any other dataset).</summary>
    public static EpisodeSplit For(int episodes, string source)
    {
        if (episodes != PushTEpisodes)
            throw new ArgumentException($"train.split dp_pusht is DP's split of the 206 Push-T demonstrations; {source} has {episodes} episodes (use train.split seeded)");
        return new EpisodeSplit(Train, Validation);
    }
}
