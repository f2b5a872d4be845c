using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Policies;
using Mimicry.Policies.Acting;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Numerics;

namespace Mimicry.Evaluation;

/// <summary>One evaluated episode.</summary>
public sealed record EpisodeResult(long Seed, double MaxReward, bool Success, int Steps);

/// <summary>Summary of an evaluation: DP's metric (mean over episodes of the max reward), LeRobot's
/// success rate, and the latency of one policy call (one action chunk for every active environment).</summary>
public sealed record EvalResult(string Task, int Episodes, long FirstSeed, int MaxSteps, double AvgMaxReward, double SuccessRate,
    double LatencyP50Ms, double LatencyP95Ms, double MeanBatchPerCall, int PolicyCalls, double WallSeconds, IReadOnlyList<EpisodeResult> PerEpisode,
    ActionStats? Actions = null);

/// <summary>
/// Safety and smoothness of the executed actions, in the task's action units (Push-T: pixels): a bad action
/// crashes a robot. Change: the Euclidean norm of a_t − a_(t−1) within an episode; at chunk boundaries: the
/// first action of a new chunk against the last of the previous one (every step for one-step and ensembling actors).
/// </summary>
public sealed record ActionStats(long Actions, double OutOfBoundsFraction, double MeanChange, double P99Change, double MeanBoundaryChange, double P99BoundaryChange, int ChunkPeriod);

/// <summary>Evaluation options.</summary>
/// <param name="Episodes">Number of episodes (seeds FirstSeed, FirstSeed+1, ...).</param>
/// <param name="FirstSeed">DP's test seeds start at 100000.</param>
/// <param name="MaxSteps">Environment steps per episode (null: the task's, DP Push-T: 300).</param>
/// <param name="SamplingSeed">Seed of the policy's sampling noise.</param>
/// <param name="GifPath">Where to write a GIF grid of the first <paramref name="GifEpisodes"/> rollouts (null: none).</param>
/// <param name="GifEpisodes">Rollouts in the GIF grid.</param>
public sealed record EvalOptions(int Episodes = 50, long FirstSeed = EvalOptions.DefaultFirstSeed, int? MaxSteps = null, int SamplingSeed = 0,
    string? GifPath = null, int GifEpisodes = 8)
{
    /// <summary>The Diffusion Policy paper's first test seed (its 50 Push-T test episodes are seeds 100000-100049).</summary>
    public const long DefaultFirstSeed = 100000;

    /// <summary>Environment seeds are numpy RandomState seeds: 0 .. 2^32 - 1.</summary>
    public const long MaxSeed = uint.MaxValue;

    public void Validate()
    {
        if (Episodes < 1 || Episodes > 100_000) throw new ArgumentException($"--episodes must be in 1..100000, got {Episodes}");
        if (MaxSteps is < 1) throw new ArgumentException($"--max-steps must be >= 1, got {MaxSteps}");
        if (FirstSeed < 0 || FirstSeed + Episodes - 1 > MaxSeed)
            throw new ArgumentException($"--seed-start {FirstSeed} with {Episodes} episodes: seeds must lie in 0..{MaxSeed}");
        if (SamplingSeed < 0) throw new ArgumentException($"--sampling-seed must be >= 0, got {SamplingSeed}");
        if (GifEpisodes < 1) throw new ArgumentException($"GIF episodes must be >= 1, got {GifEpisodes}");
    }
}

/// <summary>
/// Runs a policy's actor on N environments at once, one control step at a time (diffusion_policy/
/// env_runner/pusht_keypoints_runner.py; LeRobot's eval loop): every live environment's newest
/// observation and last reward go to the actor, which returns the actions to execute now (a receding-
/// horizon actor reproduces DP's MultiStepWrapper); an environment stops at success or after
/// <c>MaxSteps</c> steps, and its score is the max reward it reached. Only live environments are passed
/// to the actor, so its network calls batch exactly those.
/// </summary>
public static class Evaluator
{
    /// <summary>Evaluates a policy: one actor over all environments, sampling with <c>options.SamplingSeed</c>.</summary>
    /// <param name="onStep">Called after the reset (step 0) and after every step with (episode index, environment).</param>
    /// <param name="cancel">Stops between control steps (OperationCanceledException): Ctrl-C during a long evaluation.</param>
    public static EvalResult Run(IPolicy policy, Func<IEnv> makeEnv, EvalOptions options, Func<IEnv, int, SKBitmap>? render = null,
        IProgress<int>? progress = null, Action<int, IEnv>? onStep = null, CancellationToken cancel = default)
    {
        using var generator = new Generator((ulong)options.SamplingSeed);
        using var actor = policy.CreateActor(options.Episodes, generator);
        // A receding-horizon actor starts a new chunk every n_action_steps steps; ensembling and one-step actors every step.
        int chunkPeriod = policy is IChunkingPolicy && policy.Config.Execution == ActionExecution.RecedingHorizon ? Math.Max(1, policy.Config.NActionSteps) : 1;
        return Run(actor, policy.Config.ObservationKeys, makeEnv, options, render, progress, onStep, chunkPeriod: chunkPeriod, cancel: cancel, warmUp: first =>
        {
            // One untimed call first (lazy initialisation, JIT), by a throwaway actor with its own generator, so sampling is unchanged.
            using var warmGenerator = new Generator(0);
            using var warm = policy.CreateActor(1, warmGenerator);
            warm.Reset(0);
            using var scope = torch.NewDisposeScope();
            warm.Act([0], first);
        });
    }

    /// <summary>Evaluates an actor that reads <paramref name="observationKeys"/>; slot i plays episode i.</summary>
    /// <param name="warmUp">Called once, untimed, with the first step's input for episode 0 alone.</param>
    /// <param name="chunkPeriod">Steps between the actor's new chunks (for the smoothness at chunk boundaries).</param>
    public static EvalResult Run(IActor actor, IReadOnlyList<string> observationKeys, Func<IEnv> makeEnv, EvalOptions options,
        Func<IEnv, int, SKBitmap>? render = null, IProgress<int>? progress = null, Action<int, IEnv>? onStep = null, Action<StepInput>? warmUp = null, int chunkPeriod = 1,
        CancellationToken cancel = default)
    {
        options.Validate();
        int n = options.Episodes;
        if (actor.Slots < n) throw new ArgumentException($"the actor has {actor.Slots} slots for {n} episodes");
        using var envs = new VectorEnv(makeEnv, n);
        var spec = envs.Spec;
        int maxSteps = options.MaxSteps ?? spec.MaxSteps, actDim = spec.ActionDim;
        var features = observationKeys.Select(key =>
        {
            var kind = ObservationKinds.Of(key);
            if (!spec.ObservationSizes.TryGetValue(kind, out int dim))
                throw new ArgumentException($"the policy reads '{key}', which the {spec.Name} task does not observe (it has {string.Join(", ", spec.ObservationSizes.Keys)})");
            return (Key: key, Kind: kind, Dim: dim, Values: new float[n * dim]);
        }).ToArray();
        var seeds = Enumerable.Range(0, n).Select(i => options.FirstSeed + i).ToArray();
        var wall = Stopwatch.StartNew();
        envs.Reset(seeds);
        for (int i = 0; i < n; i++) actor.Reset(i);
        foreach (var f in features) envs.Observe(f.Kind, f.Values);

        var maxReward = new double[n];
        var lastReward = new float[n];
        var success = new bool[n];
        var steps = new int[n];
        var active = Enumerable.Repeat(true, n).ToArray();
        var latencies = new List<double>();
        long batched = 0;

        // The step input of the given environments: their newest observations (B, D) and last rewards (B).
        StepInput Input(int[] ids)
        {
            var observation = new Dictionary<string, Tensor>(features.Length);
            foreach (var (key, _, dim, values) in features)
            {
                var rows = new float[ids.Length * dim];
                for (int j = 0; j < ids.Length; j++) Array.Copy(values, ids[j] * dim, rows, j * dim, dim);
                observation[key] = torch.tensor(rows).reshape(ids.Length, dim);
            }
            return new StepInput(observation, torch.tensor(ids.Select(i => lastReward[i]).ToArray()));
        }

        warmUp?.Invoke(Input([0]));
        using var gif = options.GifPath != null && render != null ? new RolloutGif(Math.Min(options.GifEpisodes, n), render, envs) : null;
        gif?.AddFrame();
        if (onStep != null) for (int i = 0; i < n; i++) onStep(i, envs[i]);

        var stepActions = new double[n * actDim];
        var actionStats = new ActionStatsAccumulator(n, actDim, spec.ActionLow, spec.ActionHigh, chunkPeriod);
        var mask = new bool[n];
        while (active.Any(a => a))
        {
            cancel.ThrowIfCancellationRequested();
            var ids = Enumerable.Range(0, n).Where(i => active[i]).ToArray();
            float[] chosen;
            using (var scope = torch.NewDisposeScope())
            {
                var input = Input(ids);
                var clock = Stopwatch.StartNew();
                Tensor actions;
                using (Threads.ForBatch(ids.Length)) actions = actor.Act(ids, input); // (B, Da); a small batch on one thread
                double ms = clock.Elapsed.TotalMilliseconds;
                if (actor.LastInferred > 0)
                {
                    latencies.Add(ms);
                    batched += actor.LastInferred;
                }
                if (actions.shape.Length != 2 || actions.shape[0] != ids.Length || actions.shape[1] != actDim)
                    throw new InvalidOperationException($"the actor returned actions of shape [{string.Join(", ", actions.shape)}], expected [{ids.Length}, {actDim}]");
                chosen = actions.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
            }
            Array.Clear(mask);
            for (int j = 0; j < ids.Length; j++)
            {
                int i = ids[j];
                mask[i] = true;
                for (int d = 0; d < actDim; d++)
                {
                    float v = chosen[j * actDim + d];
                    if (!float.IsFinite(v)) throw new InvalidDataException($"the policy produced a non-finite action ({v}) at step {steps[i]} of episode seed {seeds[i]}");
                    stepActions[i * actDim + d] = v;
                }
                actionStats.Add(i, steps[i], stepActions.AsSpan(i * actDim, actDim)); // safety and smoothness of what is executed
            }
            var results = envs.Step(stepActions, mask);
            foreach (var f in features) envs.Observe(f.Kind, f.Values);
            foreach (int i in ids)
            {
                steps[i]++;
                maxReward[i] = Math.Max(maxReward[i], results[i].Reward);
                lastReward[i] = (float)results[i].Reward;
                success[i] |= results[i].Success;
                onStep?.Invoke(i, envs[i]);
                if (results[i].Success || steps[i] >= maxSteps) active[i] = false;
            }
            gif?.AddFrame();
            progress?.Report(steps.Sum());
        }
        gif?.Save(options.GifPath!);

        var sorted = latencies.Order().ToArray();
        var perEpisode = Enumerable.Range(0, n).Select(i => new EpisodeResult(seeds[i], maxReward[i], success[i], steps[i])).ToList();
        return new EvalResult(spec.Name, n, options.FirstSeed, maxSteps, maxReward.Average(), success.Count(s => s) / (double)n,
            Statistics.Quantile(sorted, 0.5), Statistics.Quantile(sorted, 0.95), (double)batched / Math.Max(1, latencies.Count), latencies.Count,
            wall.Elapsed.TotalSeconds, perEpisode, actionStats.Result());
    }

}
