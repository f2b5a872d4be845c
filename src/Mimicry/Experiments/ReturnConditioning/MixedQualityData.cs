using Mimicry.Evaluation;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.PushT;
using Mimicry.IO;
using Mimicry.Training;
using ScottPlot;
using Mimicry.Numerics;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Experiments.ReturnConditioning;

/// <summary>What goes into a mixed-quality Push-T dataset besides the human demonstrations.</summary>
public sealed record MixOptions
{
    /// <summary>Standard deviations (pixels) of Gaussian noise added to every recorded human action, replayed open loop from the episode's first state.</summary>
    public double[] NoiseScales { get; init; } = [5, 10, 25, 50];
    /// <summary>Human episodes replayed per noise scale (the first ones of a seeded shuffle).</summary>
    public int NoiseEpisodes { get; init; } = 40;
    /// <summary>Fractions of a human episode kept from its start (the demonstrator stopped early).</summary>
    public double[] TruncateFractions { get; init; } = [0.25, 0.5, 0.75];
    public int TruncateEpisodes { get; init; } = 30;
    /// <summary>Trained runs (or checkpoint folders) whose rollouts are added, e.g. a BC run or an early checkpoint.</summary>
    public string[] PolicyRuns { get; init; } = [];
    public int PolicyEpisodes { get; init; } = 50;
    /// <summary>First environment seed of the policy rollouts: apart from DP's evaluation seeds (100000+) and Mimicry's fresh ones (200000+).</summary>
    public long PolicySeedStart { get; init; } = 300000;
    public int Seed { get; init; } = 0;
}

/// <summary>One source of episodes in a mix, with the returns (max reward) of its episodes.</summary>
public sealed record MixSource(string Name, IReadOnlyList<double> Returns);

/// <summary>
/// Mixed-quality Push-T demonstrations for return conditioning (Decision Transformer, Decision Diffuser): the
/// human episodes, plus episodes of graded quality: human actions replayed with noise, human episodes cut
/// short, and rollouts of trained (weak) policies. Every episode is labelled with its source and its return,
/// the best reward over the episode (max coverage / 0.95, clipped to 1): episodes end at success, so a summed
/// reward would rank a fast success below hovering near the goal (../shared/notes/specs/decision-transformer.md §8).
/// </summary>
public static class MixedQualityData
{
    public static EpisodeDataset Build(EpisodeDataset human, MixOptions o, Action<string>? log = null)
    {
        // Every policy run whole and a Push-T one before minutes of replays (a typo in the last --policy fails now).
        foreach (var run in o.PolicyRuns)
        {
            string dir = Checkpoint.ResolveDir(run);
            IO.FolderChecksums.Checkpoint.Verify(dir);
            var config = Configuration.ConfigJson.Load<RunConfig>(Path.Combine(dir, Checkpoint.ConfigFile));
            if (config.Task != Tasks.PushT) throw new ArgumentException($"{run}: a policy for '{config.Task}', not Push-T");
        }
        foreach (var key in new[] { FeatureKeys.State, FeatureKeys.Action, FeatureKeys.Reward })
            if (!human.Has(key)) throw new InvalidDataException($"{human.Source ?? "the source dataset"} has no '{key}': mixing needs Push-T demonstrations with rewards (mimicry dataset import)");
        if (Tasks.Of(human) is not null && Tasks.Of(human) != Tasks.PushT) throw new ArgumentException($"{human.Source}: mixing replays Push-T episodes; this dataset is from '{Tasks.Of(human)}'");
        var w = new PushTEpisodeWriter();
        var rng = new NumpyRandomState(o.Seed);
        var state = human.Values(FeatureKeys.State);
        var action = human.Values(FeatureKeys.Action);
        var reward = human.Values(FeatureKeys.Reward);

        for (int e = 0; e < human.Episodes; e++) w.Copy(human, e, human.EpisodeLength(e), "human");
        log?.Invoke($"human: {human.Episodes} episodes");

        var order = Enumerable.Range(0, human.Episodes).ToArray();
        Shuffle(order, rng);
        foreach (double sigma in o.NoiseScales)
        {
            using var env = new PushTEnv();
            foreach (int e in order.Take(o.NoiseEpisodes))
            {
                long s = human.EpisodeStart(e);
                ResetTo(env, state, s);
                w.Begin($"noise-{sigma:0.#}px");
                for (long t = s; t < human.EpisodeEnds[e]; t++)
                {
                    double ax = Math.Clamp(action[2 * t] + sigma * rng.Randn(), 0, PushTGeometry.WindowSize);
                    double ay = Math.Clamp(action[2 * t + 1] + sigma * rng.Randn(), 0, PushTGeometry.WindowSize);
                    if (w.Step(env, ax, ay)) break; // success ends the episode, as in the environment
                }
                w.End();
            }
            log?.Invoke($"noise {sigma} px: {Math.Min(o.NoiseEpisodes, human.Episodes)} episodes");
        }

        Shuffle(order, rng);
        int k = 0;
        foreach (double fraction in o.TruncateFractions)
        {
            if (!(fraction > 0 && fraction < 1)) throw new ArgumentException($"--truncate {fraction}: fractions must be in (0, 1)");
            for (int i = 0; i < o.TruncateEpisodes; i++, k++)
            {
                int e = order[k % order.Length];
                w.Copy(human, e, Math.Max(1, (int)(fraction * human.EpisodeLength(e))), $"truncated-{fraction * 100:0.#}pct");
            }
            log?.Invoke($"truncated to {fraction:P0}: {o.TruncateEpisodes} episodes");
        }

        foreach (var run in o.PolicyRuns)
        {
            var (config, policy) = Checkpoint.Load(run);
            using (policy)
            {
                if (config.Task != Tasks.PushT) throw new ArgumentException($"{run}: a policy for '{config.Task}', not Push-T");
                string name = $"policy-{Path.GetFileName(Path.GetFullPath(run).TrimEnd('/'))}";
                var frames = Enumerable.Range(0, o.PolicyEpisodes).Select(_ => new List<(double[] State, double Ax, double Ay, double Reward, bool Success)>()).ToArray();
                var starts = new double[o.PolicyEpisodes][];
                Evaluator.Run(policy, () => new PushTEnv(), new EvalOptions(o.PolicyEpisodes, o.PolicySeedStart, SamplingSeed: o.Seed),
                    onStep: (i, env) =>
                    {
                        var p = (PushTEnv)env;
                        if (p.LastAction is not { } a) starts[i] = p.State(); // called once after the reset, then after every step
                        else frames[i].Add((p.State(), a.X, a.Y, p.Reward, p.Success));
                    });
                using var replay = new PushTEnv();
                for (int i = 0; i < o.PolicyEpisodes; i++)
                {
                    // Re-run the recorded actions from the start so each frame pairs the observation before its action with it.
                    ResetTo(replay, starts[i].Select(v => (float)v).ToArray(), 0);
                    w.Begin(name);
                    foreach (var f in frames[i]) if (w.Step(replay, f.Ax, f.Ay)) break;
                    w.End();
                }
                log?.Invoke($"{name}: {o.PolicyEpisodes} rollouts");
            }
        }
        return w.Build();
    }

    private static void ResetTo(PushTEnv env, float[] state, long frame) =>
        env.RestoreState(state[5 * frame], state[5 * frame + 1], state[5 * frame + 2], state[5 * frame + 3], state[5 * frame + 4]);

    private static void Shuffle(int[] a, NumpyRandomState rng)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = (int)(rng.NextDouble() * (i + 1));
            (a[i], a[j]) = (a[j], a[i]);
        }
    }

    /// <summary>The returns of each source, in first-appearance order.</summary>
    public static IReadOnlyList<MixSource> Sources(EpisodeDataset d)
    {
        if (d.EpisodeLabels is not { } labels) return [new MixSource("all", DerivedFeatures.EpisodeReturns(d))];
        return labels.Select((l, e) => (l, e)).GroupBy(x => x.l.Source).Select(g => new MixSource(g.Key, g.Select(x => x.l.Return).ToList())).ToList();
    }

    /// <summary>Histogram of episode returns, one colour per source, stacked; bins of 0.05.</summary>
    public static void DrawReturns(EpisodeDataset d, string path)
    {
        var sources = Sources(d);
        const int bins = 20;
        var plt = new Plot();
        var bottoms = new double[bins];
        var palette = new ScottPlot.Palettes.Category10();
        for (int s = 0; s < sources.Count; s++)
        {
            var counts = new double[bins];
            foreach (var r in sources[s].Returns) counts[Math.Clamp((int)(r * bins), 0, bins - 1)]++;
            var bars = Enumerable.Range(0, bins).Where(b => counts[b] > 0).Select(b => new Bar
            {
                Position = (b + 0.5) / bins, ValueBase = bottoms[b], Value = bottoms[b] + counts[b], Size = 1.0 / bins * 0.9, FillColor = palette.GetColor(s),
            }).ToList();
            for (int b = 0; b < bins; b++) bottoms[b] += counts[b];
            plt.Add.Bars(bars);
            plt.Legend.ManualItems.Add(new LegendItem { LabelText = $"{sources[s].Name} ({sources[s].Returns.Count}, mean {sources[s].Returns.Average():F2})", FillColor = palette.GetColor(s) });
        }
        plt.ShowLegend(Alignment.UpperLeft);
        plt.XLabel("episode return (max reward = min(coverage / 0.95, 1))");
        plt.YLabel("episodes");
        plt.Title($"{d.Episodes} episodes by return and source");
        plt.Axes.SetLimitsX(0, 1);
        AtomicFile.Write(path, tmp => plt.SavePng(tmp, 900, 520));
    }
}

/// <summary>Accumulates Push-T frames (state, keypoints, action, reward, success, done) and episode labels into a dataset.</summary>
internal sealed class PushTEpisodeWriter
{
    private readonly List<float> _state = [], _keypoints = [], _action = [], _reward = [], _success = [], _done = [];
    private readonly List<long> _ends = [];
    private readonly List<EpisodeLabel> _labels = [];
    private string _source = "";
    private double _best;

    public void Begin(string source) { _source = source; _best = 0; }

    /// <summary>Copies the first <paramref name="count"/> frames of a recorded episode as one episode.</summary>
    public void Copy(EpisodeDataset d, int episode, int count, string source)
    {
        Begin(source);
        long s = d.EpisodeStart(episode);
        var state = d.Values(FeatureKeys.State);
        var kp = d.Has(FeatureKeys.Keypoints) ? d.Values(FeatureKeys.Keypoints) : null;
        var action = d.Values(FeatureKeys.Action);
        var reward = d.Values(FeatureKeys.Reward);
        var success = d.Has(FeatureKeys.Success) ? d.Values(FeatureKeys.Success) : null;
        using var env = kp is null ? new PushTEnv() : null;
        for (long t = s; t < s + count; t++)
        {
            _state.AddRange(state.AsSpan((int)(5 * t), 5));
            if (kp is not null) _keypoints.AddRange(kp.AsSpan((int)(20 * t), 20));
            else
            {
                env!.RestoreState(state[5 * t], state[5 * t + 1], state[5 * t + 2], state[5 * t + 3], state[5 * t + 4]);
                _keypoints.AddRange(env.Keypoints().Select(v => (float)v));
            }
            Add(action[2 * t], action[2 * t + 1], reward[t], success is not null && success[t] > 0.5f);
        }
        End();
    }

    /// <summary>Observes, steps, records; true when the step succeeded (the episode ends).</summary>
    public bool Step(PushTEnv env, double ax, double ay)
    {
        Observe(env);
        var r = env.Step(ax, ay);
        Add(ax, ay, r.Reward, r.Success);
        return r.Success;
    }

    private void Observe(PushTEnv env)
    {
        _state.AddRange(env.State().Select(v => (float)v));
        _keypoints.AddRange(env.Keypoints().Select(v => (float)v));
    }

    private void Add(double ax, double ay, double reward, bool success)
    {
        _action.Add((float)ax); _action.Add((float)ay);
        _reward.Add((float)reward);
        _success.Add(success ? 1 : 0);
        _done.Add(0);
        _best = Math.Max(_best, reward);
    }

    public void End()
    {
        if (_reward.Count == (_ends.Count > 0 ? _ends[^1] : 0)) return; // empty episode: nothing recorded
        _done[^1] = 1;
        _ends.Add(_reward.Count);
        _labels.Add(new EpisodeLabel(_source, Math.Round(_best, 6)));
    }

    public EpisodeDataset Build()
    {
        var features = new[]
        {
            new FeatureInfo(FeatureKeys.State, FeatureDType.Float32, [5], ["agent_x", "agent_y", "block_x", "block_y", "block_angle"]),
            new FeatureInfo(FeatureKeys.Keypoints, FeatureDType.Float32, [20]),
            new FeatureInfo(FeatureKeys.Action, FeatureDType.Float32, [2], ["target_x", "target_y"]),
            new FeatureInfo(FeatureKeys.Reward, FeatureDType.Float32, [1]),
            new FeatureInfo(FeatureKeys.Success, FeatureDType.Bool, [1]),
            new FeatureInfo(FeatureKeys.Done, FeatureDType.Bool, [1]),
        };
        var d = new EpisodeDataset(features, _ends.ToArray(), new Dictionary<string, float[]>
        {
            [FeatureKeys.State] = _state.ToArray(), [FeatureKeys.Keypoints] = _keypoints.ToArray(), [FeatureKeys.Action] = _action.ToArray(),
            [FeatureKeys.Reward] = _reward.ToArray(), [FeatureKeys.Success] = _success.ToArray(), [FeatureKeys.Done] = _done.ToArray(),
        }, fps: PushTGeometry.ControlHz, task: PushTImport.Task) { EnvTask = Tasks.PushT, EpisodeLabels = _labels.ToArray() };
        d.Stats = DatasetStats.Compute(d);
        return d;
    }
}
