using Mimicry.Data;
using Mimicry.Numerics;

namespace Mimicry.Envs.PushT;

/// <summary>How closely an episode's recorded actions, replayed from the reset for its seed, reproduce its recorded states.</summary>
/// <param name="Episode">Episode index k (its reset seed is k).</param>
/// <param name="Steps">Number of recorded steps.</param>
/// <param name="MaxStateError">Largest absolute difference over all state components and steps (angles compared on the circle).</param>
/// <param name="MaxCoverage">Largest coverage reached during the replay.</param>
public sealed record ReplayResult(int Episode, int Steps, double MaxStateError, double MaxCoverage);

/// <summary>Replays human demonstrations through <see cref="PushTEnv"/>.</summary>
public static class PushTReplay
{
    /// <summary>
    /// Resets to seed <paramref name="episode"/>, checks the recorded state before every action, and
    /// steps with the recorded actions, or with <paramref name="actions"/> (the episode's length × 2 values) in their place,
    /// the state error then measuring how far they lead from the recording. <paramref name="onStep"/> sees the
    /// environment after the reset and after every step.
    /// </summary>
    public static ReplayResult Replay(PushTReplayBuffer demos, int episode, PushTEnv env, Action<PushTEnv>? onStep = null, float[]? actions = null)
    {
        if (episode < 0 || episode >= demos.Episodes)
            throw new ArgumentOutOfRangeException(nameof(episode), episode, $"the demonstrations have episodes 0-{demos.Episodes - 1}");
        long start = demos.EpisodeStart(episode);
        int length = demos.EpisodeLength(episode);
        if (actions != null && actions.Length != length * 2)
            throw new ArgumentException($"episode {episode} has {length} steps; {actions.Length / 2} actions were given", nameof(actions));
        ReadOnlySpan<float> played = actions ?? demos.Action.AsSpan((int)start * 2, length * 2);
        env.Reset(episode);
        onStep?.Invoke(env);
        double maxError = 0, maxCoverage = env.Coverage;
        for (int t = 0; t < length; t++)
        {
            maxError = Math.Max(maxError, StateError(env.State(), demos.State.AsSpan((int)(start + t) * 5, 5)));
            env.Step(played[2 * t], played[2 * t + 1]);
            maxCoverage = Math.Max(maxCoverage, env.Coverage);
            onStep?.Invoke(env);
        }
        return new ReplayResult(episode, length, maxError, maxCoverage);
    }

    /// <summary>
    /// Replays <paramref name="episodes"/> on all cores, one environment per worker. <paramref name="onStep"/>
    /// sees (episode, step, environment) after the reset (step 0) and after every recorded action (step t+1);
    /// <paramref name="progress"/> counts finished episodes. Results are in the order of <paramref name="episodes"/>.
    /// </summary>
    public static ReplayResult[] ReplayAll(PushTReplayBuffer demos, IReadOnlyList<int> episodes,
        Action<int, int, PushTEnv>? onStep = null, IProgress<int>? progress = null)
    {
        var results = new ReplayResult[episodes.Count];
        int finished = 0;
        Parallelism.For(0, episodes.Count, () => new PushTEnv(), (i, env) =>
        {
            int episode = episodes[i], step = 0;
            results[i] = Replay(demos, episode, env, onStep == null ? null : s => onStep(episode, step++, s));
            progress?.Report(Interlocked.Increment(ref finished));
        });
        return results;
    }

    /// <summary>Max absolute difference; the angle (index 4) is compared as the shortest arc.</summary>
    public static double StateError(ReadOnlySpan<double> actual, ReadOnlySpan<float> recorded)
    {
        double max = 0;
        for (int i = 0; i < 4; i++) max = Math.Max(max, Math.Abs(actual[i] - recorded[i]));
        double d = Math.Abs(actual[4] - recorded[4]) % (2 * Math.PI);
        return Math.Max(max, Math.Min(d, 2 * Math.PI - d));
    }

    /// <summary>Writes the replays of <paramref name="episodes"/> one after another as a GIF (the agent's target drawn); returns the frame count.</summary>
    public static int WriteGif(PushTReplayBuffer demos, IEnumerable<int> episodes, string path, int size)
    {
        using var env = new PushTEnv();
        using var renderer = new PushTRenderer(size);
        using var writer = new Rendering.GifWriter(size, size, fps: PushTGeometry.ControlHz);
        foreach (int e in episodes) Replay(demos, e, env, s => writer.Add(renderer.Render(s, drawAction: true)));
        writer.Save(path);
        return writer.FrameCount;
    }
}
