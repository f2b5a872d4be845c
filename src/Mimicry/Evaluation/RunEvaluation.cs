using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.Numerics;
using Mimicry.Policies;
using Mimicry.Runtime;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Evaluation;

/// <summary>A checkpoint to evaluate: its folder (a run or a checkpoint folder), its name in the report, its acting overrides, and
/// whether it acts with its trained weights instead of their EMA (<see cref="Checkpoint.RawWeightsFile"/>).</summary>
public sealed record EvalTarget(string Path, string Name, IReadOnlyList<string> Acting, bool RawWeights = false);

/// <summary>Which weights of each checkpoint an evaluation acts with (<c>--weights</c>).</summary>
public enum WeightsChoice
{
    /// <summary>The saved acting weights: the EMA when the run kept one.</summary>
    Acting,
    /// <summary>The trained weights: an EMA run acted as if trained without EMA.</summary>
    Raw,
    /// <summary>Both, as two rows of the report (an EMA run's raw row named NAME-raw).</summary>
    Both,
}

/// <summary><c>mimicry eval</c>: trained runs evaluated on the same seeds into one report.</summary>
public static class RunEvaluation
{
    /// <summary>The checkpoints of each run a selection names (latest, last:K, all), each named for the report.</summary>
    /// <param name="weights">Which weights to act with; <see cref="WeightsChoice.Both"/> adds a raw row (NAME-raw) after each
    /// checkpoint of a run trained with EMA (without EMA the two are the same weights: one row).</param>
    public static List<EvalTarget> Targets(IEnumerable<string> runs, string selection, IReadOnlyList<string> acting, WeightsChoice weights = WeightsChoice.Acting) =>
        runs.SelectMany(p =>
        {
            string name = System.IO.Path.GetFileName(System.IO.Path.GetFullPath(p).TrimEnd('/'));
            return Checkpoint.Select(p, selection).SelectMany(c =>
            {
                string folder = System.IO.Path.GetFileName(c);
                string row = selection == "latest" ? name : folder == Checkpoint.BestName ? $"{name}@best" : $"{name}@{folder["step-".Length..].TrimStart('0')}";
                return WithWeights(new EvalTarget(c, row, acting), weights);
            });
        }).ToList();

    /// <summary>A target acted with the chosen weights: itself, its raw twin, or both (the twin only when the run kept an EMA).</summary>
    public static IEnumerable<EvalTarget> WithWeights(EvalTarget target, WeightsChoice weights)
    {
        if (weights != WeightsChoice.Raw) yield return target;
        if (weights == WeightsChoice.Raw || weights == WeightsChoice.Both && UsesEma(target.Path))
            yield return target with { Name = target.Name + RawSuffix, RawWeights = true };
    }

    /// <summary>The name suffix of a raw-weights row.</summary>
    public const string RawSuffix = "-raw";

    private static bool UsesEma(string path) =>
        ConfigJson.Load<RunConfig>(System.IO.Path.Combine(Checkpoint.ResolveDir(path), Checkpoint.ConfigFile)).Train.UseEma;

    /// <summary>
    /// Evaluates runs (path, name) on the same seeds with the same acting overrides, and writes one
    /// report (report.json, report.md, optional rollout GIFs) into <paramref name="outDir"/>.
    /// </summary>
    /// <remarks>Each target carries its own acting overrides (e.g. one sampler and step count per row of an ablation).</remarks>
    /// <param name="cancel">Stops between control steps (OperationCanceledException); nothing is written then.</param>
    public static EvalReport Evaluate(IReadOnlyList<EvalTarget> runs, EvalOptions options, string device, bool gif, string outDir,
        Action<string>? log = null, IProgressDisplay? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (runs.Count == 0) throw new ArgumentException("no run to evaluate");
        var torchDevice = Devices.Parse(device, "--device");
        // Before the first is evaluated: every checkpoint whole, every acting setting valid, one task, a writable --out.
        var tasks = runs.Select(r => (r.Path, Check(r).Task)).ToList();
        if (tasks.Select(t => t.Task).Distinct().Count() > 1)
            throw new ArgumentException($"the runs act in different tasks ({string.Join(", ", tasks.Select(t => $"{t.Path}: {t.Task}"))}); evaluate them separately");
        var taskEntry = Tasks.Get(tasks[0].Task);
        IO.AtomicFile.EnsureWritableFolder(outDir);
        int maxSteps = options.MaxSteps ?? taskEntry.Spec.MaxSteps;
        var entries = new ReportEntry[runs.Count];
        var gifs = runs.Select(r => gif ? Path.Combine(outDir, $"rollouts-{r.Name}.gif") : null).ToArray();
        int stepsPerRun = options.Episodes * maxSteps;
        ReportEntry EvaluateOne(int i, IProgress<int> progress)
        {
            var (path, name, acting, raw) = runs[i];
            var (config, policy) = Checkpoint.Load(path, torchDevice, acting: acting, rawWeights: raw);
            using var _ = policy;
            using var renderer = taskEntry.Renderer(128);
            var result = Evaluator.Run(policy, taskEntry.Create, options with { GifPath = gifs[i] }, renderer.Render, progress, cancel: cancel);
            log?.Invoke($"{name}: avg max reward {result.AvgMaxReward:F3}, success rate {result.SuccessRate:P0}, latency p50 {result.LatencyP50Ms:F1} ms / p95 {result.LatencyP95Ms:F1} ms per call ({result.MeanBatchPerCall:F1} envs per call)");
            string dir = Checkpoint.ResolveDir(path);
            var trained = Trainer.SavedProgress(dir);
            return new ReportEntry(name, Path.GetFullPath(path), config.Policy.Name, policy.ParameterCount(), trained?.Step, trained?.ElapsedSeconds, result,
                acting.Count > 0 ? acting : null, config.Preset, config.Deviations, RunOf(dir), MethodOf(config) + (raw ? RawSuffix : ""), raw);
        }
        // One checkpoint at a time: two evaluations in one process on two threads crashed inside TorchSharp 0.107
        // (a Scalar freed under functional.mish while the other thread used it); run two eval processes instead.
        for (int i = 0; i < runs.Count; i++)
            entries[i] = (progress ?? NoProgress.Instance).Run($"evaluating {runs[i].Name}", stepsPerRun, p => EvaluateOne(i, p));
        var commands = new List<string>();
        foreach (var e in entries)
        {
            string cmdFile = Path.Combine(e.Run!, "command.txt");
            if (File.Exists(cmdFile)) commands.AddRange(File.ReadAllLines(cmdFile));
        }
        string? firstGif = gifs[0];
        commands.Add(Provenance.CommandLine);
        commands = commands.Distinct().ToList();
        var provenance = Provenance.Current();
        var report = new EvalReport(taskEntry.Name, provenance.GitRevision, provenance.Date, commands, entries, firstGif);
        report.Save(outDir);
        return report;
    }

    /// <summary>A target's checkpoint verified and its config with the target's acting settings applied and validated.</summary>
    private static RunConfig Check(EvalTarget target)
    {
        string dir = Checkpoint.ResolveDir(target.Path);
        IO.FolderChecksums.Checkpoint.Verify(dir);
        var config = ConfigJson.Load<RunConfig>(Path.Combine(dir, Checkpoint.ConfigFile));
        if (target.RawWeights) Checkpoint.RawWeightsFile(dir, config); // present, or one line saying why not
        return target.Acting.Count > 0 ? Checkpoint.WithActingOverrides(config, target.Acting, dir) : config;
    }

    /// <summary>The run folder a checkpoint folder belongs to (RUN/checkpoint or RUN/checkpoints/step-N).</summary>
    private static string RunOf(string checkpointDir)
    {
        string full = Path.GetFullPath(checkpointDir).TrimEnd('/');
        string parent = Path.GetDirectoryName(full)!;
        return Path.GetFileName(parent) == Checkpoint.KeptDir ? Path.GetDirectoryName(parent)! : parent;
    }

    /// <summary>A run's configuration without its training seed: runs that differ only in seed are one method.</summary>
    private static string MethodOf(RunConfig config) =>
        ConfigJson.Serialize(config with { Train = config.Train with { Seed = 0 }, Dataset = Path.GetFullPath(config.Dataset) });
}
