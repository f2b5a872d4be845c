using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Policies;
using Mimicry.Rendering;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Evaluation;

/// <summary>One evaluated episode.</summary>
public sealed record EpisodeResult(long Seed, double MaxReward, bool Success, int Steps);

/// <summary>Summary of an evaluation: DP's metric (mean over episodes of the max reward), LeRobot's
/// success rate, and the latency of one policy call (one action chunk for every active environment).</summary>
public sealed record EvalResult(string Task, int Episodes, long FirstSeed, int MaxSteps, double AvgMaxReward, double SuccessRate,
    double LatencyP50Ms, double LatencyP95Ms, double MeanBatchPerCall, int PolicyCalls, double WallSeconds, IReadOnlyList<EpisodeResult> PerEpisode);

/// <summary>Evaluation options.</summary>
/// <param name="Episodes">Number of episodes (seeds FirstSeed, FirstSeed+1, ...).</param>
/// <param name="FirstSeed">DP's test seeds start at 100000.</param>
/// <param name="MaxSteps">Environment steps per episode (DP Push-T: 300).</param>
/// <param name="SamplingSeed">Seed of the policy's sampling noise.</param>
/// <param name="GifPath">Where to write a GIF grid of the first <paramref name="GifEpisodes"/> rollouts (null: none).</param>
/// <param name="GifEpisodes">Rollouts in the GIF grid.</param>
public sealed record EvalOptions(int Episodes = 50, long FirstSeed = 100000, int MaxSteps = 300, int SamplingSeed = 0,
    string? GifPath = null, int GifEpisodes = 8);

/// <summary>
/// Runs a policy with DP's receding horizon on N environments at once (diffusion_policy/env_runner/
/// pusht_keypoints_runner.py with MultiStepWrapper): the observation window starts as the first
/// observation repeated, each call returns Ta actions that are executed in order, an environment stops
/// at success or after <c>MaxSteps</c> steps, and its score is the max reward it reached.
/// </summary>
public static class Evaluator
{
    /// <summary>Which environment observation a dataset feature corresponds to.</summary>
    public static ObservationKind KindOf(string feature) => feature switch
    {
        FeatureKeys.State => ObservationKind.State,
        FeatureKeys.Keypoints => ObservationKind.Keypoints,
        FeatureKeys.Image => ObservationKind.Pixels,
        _ => throw new NotSupportedException($"no environment observation for feature '{feature}'"),
    };

    /// <param name="onStep">Called after the reset (step 0) and after every step with (episode index, environment).</param>
    public static EvalResult Run(IPolicy policy, Func<IEnv> makeEnv, EvalOptions options, Func<IEnv, int, SKBitmap>? render = null,
        IProgress<int>? progress = null, Action<int, IEnv>? onStep = null)
    {
        var config = policy.Config;
        int n = options.Episodes, to = config.NObsSteps;
        using var envs = new VectorEnv(makeEnv, n);
        var spec = envs.Spec;
        var kind = KindOf(config.ObservationKey);
        int obsDim = spec.ObservationSizes[kind], actDim = spec.ActionDim;
        var seeds = Enumerable.Range(0, n).Select(i => options.FirstSeed + i).ToArray();
        var wall = Stopwatch.StartNew();
        envs.Reset(seeds);

        var history = new float[n * to * obsDim]; // (N, To, Do), oldest first
        var current = new float[n * obsDim];
        envs.Observe(kind, current);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < to; k++)
                Array.Copy(current, i * obsDim, history, (i * to + k) * obsDim, obsDim);

        var maxReward = new double[n];
        var success = new bool[n];
        var steps = new int[n];
        var active = Enumerable.Repeat(true, n).ToArray();
        var latencies = new List<double>();
        long batched = 0;
        using var generator = new Generator((ulong)options.SamplingSeed);
        // One untimed call first (lazy initialisation, JIT), with its own generator so sampling is unchanged.
        using (var warmScope = torch.NewDisposeScope())
        using (var warmGen = new Generator(0))
            policy.PredictActionChunk(torch.tensor(history[..(to * obsDim)]).reshape(1, to, obsDim), warmGen);
        using var gif = options.GifPath != null && render != null ? new GifGrid(Math.Min(options.GifEpisodes, n), render, envs) : null;
        gif?.AddFrame();
        if (onStep != null) for (int i = 0; i < n; i++) onStep(i, envs[i]);

        while (active.Any(a => a))
        {
            var ids = Enumerable.Range(0, n).Where(i => active[i]).ToArray();
            float[] chunk;
            using (var scope = torch.NewDisposeScope())
            {
                var obs = new float[ids.Length * to * obsDim];
                for (int j = 0; j < ids.Length; j++) Array.Copy(history, ids[j] * to * obsDim, obs, j * to * obsDim, to * obsDim);
                var input = torch.tensor(obs).reshape(ids.Length, to, obsDim);
                var clock = Stopwatch.StartNew();
                var actions = policy.PredictActionChunk(input, generator); // (B, Ta, Da)
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                batched += ids.Length;
                chunk = actions.contiguous().data<float>().ToArray();
                if (chunk.Any(v => !float.IsFinite(v))) throw new InvalidOperationException("the policy produced a non-finite action");
            }
            int ta = chunk.Length / (ids.Length * actDim);
            for (int k = 0; k < ta; k++)
            {
                var stepActions = new double[n * actDim];
                var mask = new bool[n];
                for (int j = 0; j < ids.Length; j++)
                {
                    int i = ids[j];
                    if (!active[i]) continue;
                    mask[i] = true;
                    for (int d = 0; d < actDim; d++) stepActions[i * actDim + d] = chunk[(j * ta + k) * actDim + d];
                }
                if (!mask.Any(m => m)) break;
                var results = envs.Step(stepActions, mask);
                envs.Observe(kind, current);
                for (int i = 0; i < n; i++)
                {
                    if (!mask[i]) continue;
                    steps[i]++;
                    maxReward[i] = Math.Max(maxReward[i], results[i].Reward);
                    success[i] |= results[i].Success;
                    // shift the window and append the newest observation
                    Array.Copy(history, (i * to + 1) * obsDim, history, i * to * obsDim, (to - 1) * obsDim);
                    Array.Copy(current, i * obsDim, history, (i * to + to - 1) * obsDim, obsDim);
                    onStep?.Invoke(i, envs[i]);
                    if (results[i].Success || steps[i] >= options.MaxSteps) active[i] = false;
                }
                gif?.AddFrame();
            }
            progress?.Report(steps.Sum());
        }
        gif?.Save(options.GifPath!);

        var sorted = latencies.Order().ToArray();
        var perEpisode = Enumerable.Range(0, n).Select(i => new EpisodeResult(seeds[i], maxReward[i], success[i], steps[i])).ToList();
        return new EvalResult(spec.Name, n, options.FirstSeed, options.MaxSteps, maxReward.Average(), success.Count(s => s) / (double)n,
            Percentile(sorted, 0.5), Percentile(sorted, 0.95), (double)batched / Math.Max(1, latencies.Count), latencies.Count,
            wall.Elapsed.TotalSeconds, perEpisode);
    }

    private static double Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return 0;
        double pos = q * (sorted.Length - 1);
        int lo = (int)pos, hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>Tiles the first rollouts into one animated GIF (4 columns).</summary>
    private sealed class GifGrid : IDisposable
    {
        private readonly int _count, _cols, _tile;
        private readonly Func<IEnv, int, SKBitmap> _render;
        private readonly VectorEnv _envs;
        private readonly SKBitmap _canvasBitmap;
        private readonly SKCanvas _canvas;
        private readonly GifWriter _writer;

        public GifGrid(int count, Func<IEnv, int, SKBitmap> render, VectorEnv envs, int tile = 128)
        {
            _count = count;
            _cols = Math.Min(4, count);
            _tile = tile;
            _render = render;
            _envs = envs;
            int rows = (count + _cols - 1) / _cols;
            _canvasBitmap = new SKBitmap(new SKImageInfo(_cols * tile, rows * tile, SKColorType.Rgba8888, SKAlphaType.Premul));
            _canvas = new SKCanvas(_canvasBitmap);
            _writer = new GifWriter(_cols * tile, rows * tile, fps: 10);
        }

        public void AddFrame()
        {
            _canvas.Clear(SKColors.White);
            for (int i = 0; i < _count; i++)
            {
                var tile = _render(_envs[i], _tile);
                _canvas.DrawBitmap(tile, i % _cols * _tile, i / _cols * _tile);
            }
            _canvas.Flush();
            _writer.Add(_canvasBitmap);
        }

        public void Save(string path) => _writer.Save(path);

        public void Dispose()
        {
            _canvas.Dispose();
            _canvasBitmap.Dispose();
            _writer.Dispose();
        }
    }
}
