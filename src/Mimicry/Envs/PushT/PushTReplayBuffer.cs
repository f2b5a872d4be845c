using Mimicry.Data;
using Mimicry.Data.Zarr;

namespace Mimicry.Envs.PushT;

/// <summary>
/// The low-dimensional arrays of the Diffusion Policy's Push-T replay buffer
/// (<c>pusht_cchi_v7_replay.zarr</c>): flat per-step arrays and <c>meta/episode_ends</c>
/// (exclusive end index of each episode), as DP's <c>ReplayBuffer</c> stores them.
/// </summary>
public sealed class PushTReplayBuffer
{
    /// <summary>(N, 2) agent targets in pixels.</summary>
    public required float[] Action { get; init; }
    /// <summary>(N, 5) agent x, y, block x, y, angle: the state before the step's action.</summary>
    public required float[] State { get; init; }
    /// <summary>(N, 9, 2) block keypoints.</summary>
    public required float[] Keypoint { get; init; }
    /// <summary>(N, 1) contact counts.</summary>
    public required float[] NContacts { get; init; }
    /// <summary>Exclusive end of each episode.</summary>
    public required long[] EpisodeEnds { get; init; }
    public required string Path { get; init; }

    public int Steps => Action.Length / 2;
    public int Episodes => EpisodeEnds.Length;
    public long EpisodeStart(int e) => EpisodeDataset.StartOf(EpisodeEnds, e);
    public int EpisodeLength(int e) => (int)(EpisodeEnds[e] - EpisodeStart(e));

    /// <summary>Loads every array but <c>data/img</c>, checking shapes, ordering and finiteness.</summary>
    public static PushTReplayBuffer Load(string path, bool allowMissingChunks = false)
    {
        var g = ZarrGroup.Open(path, allowMissingChunks);
        float[] Read(string name, params long[] inner)
        {
            var a = g[name];
            if (a.Shape.Length != inner.Length + 1 || !a.Shape.Skip(1).SequenceEqual(inner))
                throw new InvalidDataException($"{path}: array '{name}' has shape ({string.Join(",", a.Shape)}), expected (N,{string.Join(",", inner)})");
            var v = a.ReadFloat32();
            for (int i = 0; i < v.Length; i++)
                if (!float.IsFinite(v[i]))
                    throw new InvalidDataException($"{path}: array '{name}' has a non-finite value {v[i]} at step {i / (v.Length / a.Shape[0])}");
            return v;
        }
        var action = Read("data/action", 2);
        var state = Read("data/state", 5);
        var keypoint = Read("data/keypoint", 9, 2);
        var contacts = g.Contains("data/n_contacts") ? Read("data/n_contacts", 1) : new float[action.Length / 2];
        var ends = g["meta/episode_ends"].ReadInt64();
        long n = action.Length / 2;
        if (state.Length / 5 != n || keypoint.Length / 18 != n)
            throw new InvalidDataException($"{path}: arrays disagree on the number of steps (action {n}, state {state.Length / 5}, keypoint {keypoint.Length / 18})");
        long prev = 0;
        for (int e = 0; e < ends.Length; e++)
        {
            if (ends[e] <= prev) throw new InvalidDataException($"{path}: meta/episode_ends[{e}] = {ends[e]} is not after {prev}");
            prev = ends[e];
        }
        if (ends.Length == 0 || ends[^1] != n)
            throw new InvalidDataException($"{path}: meta/episode_ends ends at {(ends.Length == 0 ? 0 : ends[^1])}, but the arrays have {n} steps");
        return new PushTReplayBuffer { Action = action, State = state, Keypoint = keypoint, NContacts = contacts, EpisodeEnds = ends, Path = path };
    }
}
