using Mimicry.Data;

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
    /// steps with the recorded actions. <paramref name="onStep"/> sees the environment after the reset
    /// and after every step.
    /// </summary>
    public static ReplayResult Replay(PushTReplayBuffer demos, int episode, PushTEnv env, Action<PushTEnv>? onStep = null)
    {
        if (episode < 0 || episode >= demos.Episodes)
            throw new ArgumentOutOfRangeException(nameof(episode), episode, $"the demonstrations have episodes 0-{demos.Episodes - 1}");
        long start = demos.EpisodeStart(episode);
        int length = demos.EpisodeLength(episode);
        env.Reset(episode);
        onStep?.Invoke(env);
        double maxError = 0, maxCoverage = env.Coverage;
        for (int t = 0; t < length; t++)
        {
            maxError = Math.Max(maxError, StateError(env.State(), demos.State.AsSpan((int)(start + t) * 5, 5)));
            int a = (int)(start + t) * 2;
            env.Step(demos.Action[a], demos.Action[a + 1]);
            maxCoverage = Math.Max(maxCoverage, env.Coverage);
            onStep?.Invoke(env);
        }
        return new ReplayResult(episode, length, maxError, maxCoverage);
    }

    /// <summary>Max absolute difference; the angle (index 4) is compared as the shortest arc.</summary>
    public static double StateError(ReadOnlySpan<double> actual, ReadOnlySpan<float> recorded)
    {
        double max = 0;
        for (int i = 0; i < 4; i++) max = Math.Max(max, Math.Abs(actual[i] - recorded[i]));
        double d = Math.Abs(actual[4] - recorded[4]) % (2 * Math.PI);
        return Math.Max(max, Math.Min(d, 2 * Math.PI - d));
    }
}
