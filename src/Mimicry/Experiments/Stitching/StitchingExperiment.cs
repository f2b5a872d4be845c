using Mimicry.Evaluation;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.Stitch;
using Mimicry.IO;
using Mimicry.Policies;
using Mimicry.Training;
using ScottPlot;
using Mimicry.Numerics;
using Mimicry.Configuration;
using Node = Mimicry.Envs.Stitch.StitchEnv.Node;

namespace Mimicry.Experiments.Stitching;

/// <summary>Budget of the stitching experiment.</summary>
public sealed record StitchingOptions
{
    public int ThroughM { get; init; } = 100;
    public int FromY { get; init; } = 100;
    public int ToZ { get; init; } = 50;
    /// <summary>Training seeds of the Decision Transformer.</summary>
    public int Seeds { get; init; } = 3;
    public int Steps { get; init; } = 1500;
    public double[] Targets { get; init; } = [0, 0.5, 1.0];
    /// <summary>Rollouts per (policy, seed, target); the task and the policies are deterministic, so a few suffice.</summary>
    public int Episodes { get; init; } = 10;
}

/// <summary>Where one row's rollouts went: the share of each path (e.g. "S→Z"), the mean return and the success rate.</summary>
public sealed record StitchingRow(string Method, double? Target, int Seed, IReadOnlyDictionary<string, double> Paths, double MeanReturn, double SuccessRate);

public sealed record StitchingResult(IReadOnlyList<StitchingRow> Rows, IReadOnlyDictionary<string, int> DataPaths, IReadOnlyDictionary<string, double> QValues, string QLearningPath);

/// <summary>
/// The Decision Transformer's known limit, shown on the smallest task that has it (<see cref="StitchEnv"/>): asked
/// for the best return from S, DT has never seen that return at S (the data reach G only from Y), so it
/// cannot produce S → M → G, which needs the first half of S → M → X and the second half of Y → M → G. Offline
/// tabular Q-learning on the same transitions finds it.
/// (Brandfonbrener et al. 2022: return-conditioned supervised learning needs the conditioned return covered
/// at the state; ../shared/notes/specs/decision-transformer.md §9.)
/// </summary>
public static class StitchingExperiment
{
    public static StitchingResult Run(StitchingOptions o, string outDir, Action<string>? log = null)
    {
        if (o.Seeds < 1 || o.Steps < 1 || o.Episodes < 1) throw new ArgumentException("--seeds, --steps and episodes must be >= 1");
        if (o.Targets.Length == 0 || o.Targets.Any(t => !double.IsFinite(t))) throw new ArgumentException("--targets: give finite returns");
        IO.AtomicFile.EnsureWritableFolder(outDir);
        Directory.CreateDirectory(outDir);
        var data = StitchData.Demonstrations(o.ThroughM, o.FromY, o.ToZ);
        var dataPaths = DataPaths(data);
        log?.Invoke($"data: {string.Join(", ", dataPaths.Select(kv => $"{kv.Value} × {kv.Key}"))}");

        var q = new OfflineQLearning(Transitions(data));
        string qPath = FollowGreedy(q, out double qReturn);
        var rows = new List<StitchingRow> { new("Q-learning (offline, tabular)", null, 0, new Dictionary<string, double> { [qPath] = 1 }, qReturn, qPath.EndsWith("G") ? 1 : 0) };
        log?.Invoke($"offline Q-learning ({q.Sweeps} sweeps): {qPath}, return {qReturn}");

        foreach (var (entry, seed) in ReturnConditioned.SelectMany(e => Enumerable.Range(0, o.Seeds).Select(seed => (e, seed))))
        {
            var rc = entry.ReturnConditioning!;
            var arm = Arm(o, entry, seed);
            var run = ExperimentRunner.TrainOrReuse(arm.Config, () => data, Path.Combine(outDir, $"{entry.Name}-s{seed}"), log);
            var target = arm.Variants.Zip(o.Targets).ToDictionary(x => x.First.Id, x => x.Second);
            rows.AddRange(ExperimentRunner.EvaluateVariants(run.Dir, arm.Variants, (variant, _, policy) =>
            {
                var paths = new string[o.Episodes];
                var eval = Evaluator.Run(policy, () => new StitchEnv(), new EvalOptions(o.Episodes, EvalOptions.DefaultFirstSeed, SamplingSeed: seed),
                    onStep: (i, env) => paths[i] = PathText(((StitchEnv)env).Path));
                var shares = paths.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count() / (double)o.Episodes);
                log?.Invoke($"{rc.Label}, target {target[variant.Id]}, seed {seed}: {string.Join(", ", shares.Select(kv => $"{kv.Key} {kv.Value:P0}"))}");
                return new StitchingRow(rc.Label, target[variant.Id], seed, shares, eval.AvgMaxReward, eval.SuccessRate);
            }));
        }
        var qValues = Enum.GetValues<Node>().SelectMany(s => new[] { 0, 1 }.Select(a => (s, a, v: q.Q((int)s, a))))
            .Where(x => x.v is not null).ToDictionary(x => $"Q({x.s}, {(x.a == 0 ? "first" : "second")} → {Target(x.s, x.a)})", x => x.v!.Value);
        var result = new StitchingResult(rows, dataPaths, qValues, qPath);
        Draw(result, o, Path.Combine(outDir, "stitching.png"));
        StitchingReport.Write(outDir, o, result);
        return result;
    }

    /// <summary>The policies that act toward a requested return (<see cref="PolicyEntry.ReturnConditioning"/>).</summary>
    public static IEnumerable<PolicyEntry> ReturnConditioned => PolicyRegistry.All.Where(e => e.ReturnConditioning != null);

    /// <summary>One training seed of a return-conditioned policy: its small config for the task's episodes, a variant per asked return.</summary>
    public static Arm Arm(StitchingOptions o, PolicyEntry entry, int seed)
    {
        var train = new TrainConfig
        {
            Steps = o.Steps, BatchSize = 64, Lr = 1e-3, WarmupSteps = Math.Min(50, o.Steps / 10), LrScheduler = LrSchedulerKind.Constant, GradClipNorm = 0.25,
            UseEma = false, LogEvery = Math.Max(1, o.Steps / 5), CheckpointEvery = o.Steps, ValFraction = 0, Seed = seed, Threads = 1,
        };
        var rc = entry.ReturnConditioning!;
        var config = new RunConfig { Task = Tasks.Stitch, Dataset = "(generated)", Train = train, Policy = rc.Config(StitchEnv.MaxSteps) };
        config.Validate();
        return new Arm($"{entry.Name}-s{seed}", config,
            o.Targets.Select(t => new ActingVariant(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{entry.Name}/return-{t}"), $"{rc.Label}, asking {t}", rc.AskFor(t))).ToList()).Checked();
    }

    private static Node Target(Node s, int action) => StitchEnv.Edges(s) is { } e ? (action == 0 ? e.First : e.Second) : s;

    public static string PathText(IEnumerable<Node> path) => string.Join("→", path);

    /// <summary>Each episode's node sequence (its start, then where each action led).</summary>
    public static Dictionary<string, int> DataPaths(EpisodeDataset data)
    {
        var counts = new Dictionary<string, int>();
        var s = data.Values(FeatureKeys.State);
        var a = data.Values(FeatureKeys.Action);
        for (int e = 0; e < data.Episodes; e++)
        {
            long start = data.EpisodeStart(e);
            var nodes = new List<Node> { NodeAt(s, start) };
            for (long t = start; t < start + data.EpisodeLength(e); t++) nodes.Add(Target(nodes[^1], a[t] < 0 ? 0 : 1));
            string key = PathText(nodes);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    private static Node NodeAt(float[] states, long frame)
    {
        int n = StitchEnv.NodeCount;
        for (int i = 0; i < n; i++) if (states[frame * n + i] > 0.5f) return (Node)i;
        throw new InvalidDataException($"frame {frame}: the state is not a one-hot node");
    }

    /// <summary>The dataset as transitions; the successor of an episode's last action is the node it led to (the graph is deterministic).</summary>
    public static List<Transition> Transitions(EpisodeDataset data)
    {
        var s = data.Values(FeatureKeys.State);
        var a = data.Values(FeatureKeys.Action);
        var r = data.Values(FeatureKeys.Reward);
        var list = new List<Transition>();
        for (int e = 0; e < data.Episodes; e++)
        {
            long start = data.EpisodeStart(e), end = start + data.EpisodeLength(e);
            for (long t = start; t < end; t++)
            {
                var node = NodeAt(s, t);
                int action = a[t] < 0 ? 0 : 1;
                var next = t + 1 < end ? NodeAt(s, t + 1) : Target(node, action);
                list.Add(new Transition((int)node, action, r[t], (int)next, t + 1 == end));
            }
        }
        return list;
    }

    private static string FollowGreedy(OfflineQLearning q, out double bestReward)
    {
        using var env = new StitchEnv();
        env.Reset(0);
        bestReward = 0;
        while (!StitchEnv.IsTerminal(env.Current) && q.Greedy((int)env.Current) is { } action)
            bestReward = Math.Max(bestReward, env.Step([action == 0 ? -1.0 : 1.0]).Reward);
        return PathText(env.Path);
    }

    private static void Draw(StitchingResult r, StitchingOptions o, string path)
    {
        var panels = new List<(string Title, Dictionary<string, double> Paths, Color Color)>
        {
            ($"data ({r.DataPaths.Values.Sum()} episodes)", r.DataPaths.ToDictionary(kv => kv.Key, kv => (double)kv.Value / r.DataPaths.Values.Sum()), Colors.Gray),
        };
        foreach (var target in o.Targets)
            panels.Add(($"DT asked for {target:0.0#} ({o.Seeds} seeds)", Pooled(r.Rows.Where(x => x.Method.StartsWith("Decision") && x.Target == target)), Colors.RoyalBlue));
        panels.Add(("offline Q-learning", new Dictionary<string, double> { [r.QLearningPath] = 1 }, Colors.SeaGreen));
        var multi = new Multiplot();
        multi.RemovePlot(multi.GetPlot(0));
        foreach (var (title, paths, color) in panels)
        {
            var plt = new Plot();
            // Edge shares: a path's share goes to each of its edges.
            var edges = new Dictionary<(Node, Node), double>();
            foreach (var (p, share) in paths)
            {
                var nodes = p.Split('→').Select(Enum.Parse<Node>).ToArray();
                for (int i = 1; i < nodes.Length; i++) if (nodes[i - 1] != nodes[i]) edges[(nodes[i - 1], nodes[i])] = edges.GetValueOrDefault((nodes[i - 1], nodes[i])) + share;
            }
            foreach (var from in Enum.GetValues<Node>())
                if (StitchEnv.Edges(from) is { } e)
                    foreach (var to in new[] { e.First, e.Second }.Distinct())
                    {
                        var (x1, y1) = StitchRenderer.Position(from);
                        var (x2, y2) = StitchRenderer.Position(to);
                        double share = edges.GetValueOrDefault((from, to));
                        var line = plt.Add.Line(x1, y1, x2, y2);
                        line.Color = share > 0 ? color : Colors.LightGray;
                        line.LineWidth = (float)(1.5 + 10 * share);
                        // arrowhead at 80 % of the way
                        double hx = x1 + 0.8 * (x2 - x1), hy = y1 + 0.8 * (y2 - y1), len = Math.Sqrt((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1));
                        double ux = (x2 - x1) / len, uy = (y2 - y1) / len;
                        foreach (var sgn in new[] { -1, 1 })
                        {
                            var head = plt.Add.Line(hx, hy, hx - 0.1 * ux + sgn * 0.06 * uy, hy - 0.1 * uy - sgn * 0.06 * ux);
                            head.Color = line.Color;
                            head.LineWidth = 2;
                        }
                        if (share > 0)
                        {
                            var label = plt.Add.Text($"{share:P0}", (x1 + x2) / 2, (y1 + y2) / 2 + 0.08);
                            label.LabelFontSize = 13;
                        }
                    }
            foreach (var n in Enum.GetValues<Node>())
            {
                var (x, y) = StitchRenderer.Position(n);
                var m = plt.Add.Marker(x, y);
                m.MarkerSize = 30;
                m.Color = n == Node.G ? Colors.MediumSeaGreen : n == Node.Z ? Colors.Orange : n == Node.S ? Colors.LightSkyBlue : Colors.WhiteSmoke;
                var t = plt.Add.Text($"{n}{(StitchEnv.Reward(n) > 0 ? $" +{StitchEnv.Reward(n):0.#}" : "")}", x - 0.08, y + 0.05);
                t.LabelFontSize = 15;
                t.LabelBold = true;
            }
            plt.Axes.SetLimits(-0.3, 2.4, -0.8, 1.3);
            plt.HideGrid();
            plt.Title(title);
            multi.AddPlot(plt);
        }
        multi.Layout = new ScottPlot.MultiplotLayouts.Grid(2, (panels.Count + 1) / 2);
        ReportWriter.Png(path, multi, 420 * ((panels.Count + 1) / 2), 760);
    }

    /// <summary>Path shares averaged over rows (training seeds).</summary>
    private static Dictionary<string, double> Pooled(IEnumerable<StitchingRow> rows)
    {
        var list = rows.ToList();
        return list.SelectMany(x => x.Paths).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value) / list.Count);
    }
}
