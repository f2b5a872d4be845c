using System.Diagnostics;
using Mimicry.Envs;
using Mimicry.Evaluation;
using Mimicry.Numerics;
using Mimicry.Serving.Wire;

namespace Mimicry.Serving.Client;

/// <summary>Settings of <c>mimicry client</c>.</summary>
/// <param name="Task">The simulator to run (pusht, fork, stitch).</param>
/// <param name="RateHz">Control rate: one step every 1/rate seconds, while the next chunk is requested in the background
/// (0: as fast as the server answers, each chunk awaited: deterministic, openpi's ActionChunkBroker).</param>
/// <param name="ExecuteSteps">Actions executed from a chunk before the next is requested (null: the server's n_action_steps).
/// Asynchronously, the request goes out when that many are executed and the rest keep the robot moving.</param>
/// <param name="Merge">How overlapping chunks combine.</param>
/// <param name="Rtc">Real-time chunking (flow policies): the server inpaints the actions that will run while it infers.</param>
/// <param name="Concurrency">Episodes run at once, a connection each (null: all).</param>
public sealed record ClientOptions(string Task, int Episodes = 50, long FirstSeed = EvalOptions.DefaultFirstSeed, int? MaxSteps = null, double RateHz = 0,
    int? ExecuteSteps = null, ChunkMerge Merge = ChunkMerge.Latest, bool Rtc = false, int? Concurrency = null, string? ApiKey = null)
{
    public void Validate()
    {
        new EvalOptions(Episodes, FirstSeed, MaxSteps).Validate();
        if (RateHz < 0 || !double.IsFinite(RateHz) || RateHz > 1000) throw new ArgumentException($"--rate must be in 0..1000 Hz, got {RateHz}");
        if (ExecuteSteps is < 1) throw new ArgumentException($"--execute must be >= 1, got {ExecuteSteps}");
        if (Concurrency is < 1) throw new ArgumentException($"--concurrency must be >= 1, got {Concurrency}");
        Tasks.Get(Task);
    }
}

/// <summary>One episode played through the server.</summary>
public sealed record ServedEpisode(long Seed, double MaxReward, bool Success, int Steps, int Requests, int StallSteps);

/// <summary>A served evaluation: DP's score, the latency the client saw, and the smoothness of what it executed.</summary>
/// <param name="BoundaryJumpMean">Mean ‖a_t − a_(t−1)‖ where a_t is the first action taken from a newer chunk (task units).</param>
/// <param name="StallSteps">Control steps at which no action was queued and the client had to wait (real-time only).</param>
public sealed record ServedResult(string Task, string Merge, bool Rtc, double RateHz, int Episodes, long FirstSeed, double AvgMaxReward, double SuccessRate,
    double LatencyP50Ms, double LatencyP99Ms, double InferP50Ms, double MeanBatch, int Requests, double BoundaryJumpMean, double BoundaryJumpP99,
    double ChangeMean, long StallSteps, double WallSeconds, IReadOnlyList<ServedEpisode> PerEpisode);

/// <summary>
/// Runs the simulator against a policy server, an episode per connection: the client keeps the observation window,
/// sends it when its chunk broker needs actions, merges the chunks by timestep and executes one action per control step
/// (LeRobot's <c>RobotClient</c>; openpi's <c>ActionChunkBroker</c> when the rate is 0 and chunks do not overlap).
/// Episodes end at success or after the task's steps (DP's protocol, the same as <see cref="Evaluator"/>).
/// </summary>
public static class ServedEvaluation
{
    /// <param name="onStep">Called after every step with (episode index, environment), from the episode's own task.</param>
    public static async Task<ServedResult> RunAsync(Uri server, ClientOptions options, IProgress<int>? progress = null, CancellationToken cancel = default,
        Action<int, IEnv>? onStep = null)
    {
        options.Validate();
        var task = Tasks.Get(options.Task);
        int maxSteps = options.MaxSteps ?? task.Spec.MaxSteps;
        var episodes = new ServedEpisode[options.Episodes];
        var latencies = new List<double>();
        var infers = new List<double>();
        var batches = new List<int>();
        var jumps = new List<double>();
        var changes = new List<double>();
        int done = 0, stepsDone = 0;
        var wall = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(options.Concurrency ?? options.Episodes);
        await Task.WhenAll(Enumerable.Range(0, options.Episodes).Select(async i =>
        {
            await gate.WaitAsync(cancel);
            try
            {
                var trace = await Episode(server, task, options.FirstSeed + i, maxSteps, options, s => progress?.Report(Interlocked.Add(ref stepsDone, s)),
                    env => onStep?.Invoke(i, env), cancel);
                episodes[i] = trace.Episode;
                lock (latencies)
                {
                    latencies.AddRange(trace.Latencies);
                    infers.AddRange(trace.Infers);
                    batches.AddRange(trace.Batches);
                    jumps.AddRange(trace.Jumps);
                    changes.AddRange(trace.Changes);
                }
                Interlocked.Increment(ref done);
            }
            finally { gate.Release(); }
        }));
        var lat = latencies.Order().ToArray();
        var inf = infers.Order().ToArray();
        var jump = jumps.Order().ToArray();
        return new ServedResult(task.Name, options.Merge.ToString().ToLowerInvariant(), options.Rtc, options.RateHz, options.Episodes, options.FirstSeed,
            episodes.Average(e => e.MaxReward), episodes.Count(e => e.Success) / (double)episodes.Length,
            Q(lat, 0.5), Q(lat, 0.99), Q(inf, 0.5), batches.Count > 0 ? batches.Average() : 0, lat.Length,
            jump.Length > 0 ? jump.Average() : 0, Q(jump, 0.99), changes.Count > 0 ? changes.Average() : 0, episodes.Sum(e => (long)e.StallSteps),
            wall.Elapsed.TotalSeconds, episodes);
    }

    private static double Q(double[] sorted, double q) => sorted.Length == 0 ? 0 : Statistics.Quantile(sorted, q);

    private sealed record Trace(ServedEpisode Episode, List<double> Latencies, List<double> Infers, List<int> Batches, List<double> Jumps, List<double> Changes);

    private static async Task<Trace> Episode(Uri server, TaskEntry task, long seed, int maxSteps, ClientOptions options, Action<int> stepped, Action<IEnv> onStep,
        CancellationToken cancel)
    {
        await using var client = await PolicyClient.ConnectAsync(server, options.ApiKey, cancel);
        var meta = ServerInfo.Of(client.Metadata, task);
        using var env = task.Create();
        env.Reset(seed);
        var window = new ObservationWindow(meta, env);
        var broker = new ChunkBroker(options.Merge);
        var latencies = new List<double>();
        var infers = new List<double>();
        var batches = new List<int>();
        var jumps = new List<double>();
        var changes = new List<double>();
        int execute = Math.Min(options.ExecuteSteps ?? meta.ActionSteps, meta.ActionsPerResponse);
        double maxReward = 0;
        float reward = 0;
        bool success = false;
        int step = 0, requests = 0, stalls = 0, chunks = 0, previousChunk = -1;
        float[]? previous = null;
        Task<ActionResponse>? inFlight = null;
        long inFlightStep = 0;
        var period = options.RateHz > 0 ? TimeSpan.FromSeconds(1 / options.RateHz) : TimeSpan.Zero;
        var clock = Stopwatch.StartNew();

        Dictionary<string, object?> Request()
        {
            var request = window.Arrays();
            if (meta.Step) request["reward"] = (double)reward;
            if (options.Rtc)
            {
                // The actions that will run while the server infers: those queued from this step on (RTC's frozen prefix).
                var prefix = broker.Queued(step);
                if (prefix.Count > 0)
                {
                    request["rtc_prefix"] = NdArray.Float32(prefix.SelectMany(a => a).ToArray(), prefix.Count, prefix[0].Length);
                    // d: the steps that will run before the answer, from the last round trip (LeRobot measures it the same way).
                    request["rtc_delay"] = period > TimeSpan.Zero && latencies.Count > 0 ? (long)Math.Ceiling(latencies[^1] / period.TotalMilliseconds) : 0L;
                }
            }
            return request;
        }
        void Accept(ActionResponse r, long firstStep)
        {
            latencies.Add(r.RoundTripMs);
            if (double.IsFinite(r.InferMs)) infers.Add(r.InferMs);
            batches.Add(r.BatchSize);
            broker.Add(firstStep, r, step, chunks++);
            requests++;
        }

        while (step < maxSteps && !success)
        {
            cancel.ThrowIfCancellationRequested();
            var tick = clock.Elapsed;
            if (inFlight is { IsCompleted: true }) { Accept(await inFlight, inFlightStep); inFlight = null; }
            bool needs = meta.Step || broker.Remaining(step) <= meta.ActionsPerResponse - execute;
            if (needs && inFlight == null)
            {
                inFlight = client.InferAsync(Request(), cancel);
                inFlightStep = step;
                if (period == TimeSpan.Zero || meta.Step) { Accept(await inFlight, inFlightStep); inFlight = null; }
            }
            if (!broker.TryPop(step, out var action, out int chunk))
            {
                if (inFlight == null) throw new InvalidOperationException($"no action queued at step {step} and no request in flight");
                stalls++;
                Accept(await inFlight, inFlightStep);
                inFlight = null;
                if (!broker.TryPop(step, out action, out chunk)) throw new InvalidDataException($"the server's chunk holds no action for step {step}");
            }
            if (previous != null)
            {
                double change = Math.Sqrt(action.Zip(previous, (a, b) => (double)(a - b) * (a - b)).Sum());
                changes.Add(change);
                if (chunk != previousChunk) jumps.Add(change);
            }
            previous = action;
            previousChunk = chunk;
            var result = env.Step(action.Select(a => (double)a).ToArray());
            step++;
            stepped(1);
            reward = (float)result.Reward;
            maxReward = Math.Max(maxReward, result.Reward);
            success |= result.Success;
            window.Push(env);
            onStep(env);
            if (period > TimeSpan.Zero)
            {
                var wait = tick + period - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancel);
            }
        }
        if (inFlight != null) try { await inFlight; } catch (Exception e) when (e is IOException or OperationCanceledException) { }
        stepped(maxSteps - step); // the steps an early success skips, for progress
        return new Trace(new ServedEpisode(seed, maxReward, success, step, requests, stalls), latencies, infers, batches, jumps, changes);
    }
}
