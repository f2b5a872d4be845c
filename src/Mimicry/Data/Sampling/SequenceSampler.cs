namespace Mimicry.Data.Sampling;

/// <summary>
/// Window sizes of the receding-horizon scheme (DP's To, H, Ta):
/// <code>
///  |o|o|                               observations: n_obs_steps (To) = 2
///  | |a|a|a|a|a|a|a|a|                 executed actions: n_action_steps (Ta) = 8, from the last observation on
///  |p|p|p|p|p|p|p|p|p|p|p|p|p|p|p|p|   predicted actions: horizon (H) = 16
/// </code>
/// (diffusion_policy/policy/diffusion_unet_lowdim_policy.py).
/// </summary>
public sealed record WindowConfig(int NObsSteps = 2, int Horizon = 16, int NActionSteps = 8)
{
    public void Validate()
    {
        if (NObsSteps < 1) throw new ArgumentException($"n_obs_steps must be >= 1, got {NObsSteps}");
        if (Horizon < NObsSteps) throw new ArgumentException($"horizon ({Horizon}) must be >= n_obs_steps ({NObsSteps})");
        if (NActionSteps < 1 || NObsSteps - 1 + NActionSteps > Horizon)
            throw new ArgumentException($"n_action_steps ({NActionSteps}) must fit in the horizon after the last observation (n_obs_steps - 1 + n_action_steps <= horizon)");
    }

    /// <summary>DP's windows over the given features: horizon frames, pad_before = To - 1, pad_after = Ta - 1.</summary>
    public WindowSpec Spec(params InputFeature[] features) =>
        new(features.Length > 0 ? features : [new InputFeature(FeatureKeys.Action, 0, Horizon)], NObsSteps - 1, NActionSteps - 1);
}

/// <summary>
/// Every training window of the chosen episodes, exactly as DP's <c>SequenceSampler</c> enumerates them
/// (diffusion_policy/common/sampler.py, <c>create_indices</c>): a window of L frames starts at every
/// offset from <c>-pad_before</c> to <c>length - L + pad_after</c> (DP: L = horizon,
/// pad_before = n_obs_steps - 1, pad_after = n_action_steps - 1; the policy's <see cref="WindowSpec"/>
/// says). Positions outside the episode repeat the first or last frame (DP's edge padding) and are
/// flagged as padding (LeRobot's <c>*_is_pad</c>).
/// </summary>
public sealed class SequenceSampler
{
    private readonly int[] _episode;
    private readonly int[] _start;
    private readonly long[] _episodeStart;
    private readonly int[] _episodeLength;

    public WindowSpec Window { get; }
    public int Count => _episode.Length;
    public IReadOnlyList<int> Episodes { get; }

    /// <summary>DP's windows: horizon frames, pad_before = To - 1, pad_after = Ta - 1.</summary>
    public SequenceSampler(EpisodeDataset dataset, IReadOnlyList<int> episodes, WindowConfig window) : this(dataset, episodes, ValidSpec(window)) { }

    private static WindowSpec ValidSpec(WindowConfig window)
    {
        window.Validate();
        return window.Spec();
    }

    public SequenceSampler(EpisodeDataset dataset, IReadOnlyList<int> episodes, WindowSpec window)
    {
        window.Validate();
        Window = window;
        Episodes = episodes;
        int padBefore = window.PadBefore, padAfter = window.PadAfter, windowLength = window.Length;
        var ep = new List<int>();
        var st = new List<int>();
        _episodeStart = new long[dataset.Episodes];
        _episodeLength = new int[dataset.Episodes];
        foreach (int e in episodes)
        {
            if (e < 0 || e >= dataset.Episodes) throw new ArgumentOutOfRangeException(nameof(episodes), e, $"dataset has episodes 0-{dataset.Episodes - 1}");
            int length = dataset.EpisodeLength(e);
            _episodeStart[e] = dataset.EpisodeStart(e);
            _episodeLength[e] = length;
            for (int s = -padBefore; s <= length - windowLength + padAfter; s++)
            {
                ep.Add(e);
                st.Add(s);
            }
        }
        _episode = ep.ToArray();
        _start = st.ToArray();
    }

    /// <summary>Window i: its episode and its first position relative to the episode start (may be negative).</summary>
    public (int Episode, int Start) this[int i] => (_episode[i], _start[i]);

    /// <summary>The dataset frame at window position k of sample i (edge-clamped), and whether it is padding.</summary>
    public (long Frame, bool IsPad) FrameAt(int i, int k)
    {
        int e = _episode[i], t = _start[i] + k, length = _episodeLength[e];
        bool pad = t < 0 || t >= length;
        return (_episodeStart[e] + Math.Clamp(t, 0, length - 1), pad);
    }

    /// <summary>Copies positions [first, first+count) of window i of a frames x dim feature into <paramref name="dest"/>.</summary>
    public void Copy(int i, ReadOnlySpan<float> feature, int dim, int first, int count, Span<float> dest)
    {
        for (int k = 0; k < count; k++)
        {
            var (frame, _) = FrameAt(i, first + k);
            feature.Slice((int)(frame * dim), dim).CopyTo(dest.Slice(k * dim, dim));
        }
    }
}
