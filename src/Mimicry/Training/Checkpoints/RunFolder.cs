using System.Text.Json;
using Mimicry.Configuration;

namespace Mimicry.Training.Checkpoints;

/// <summary>
/// A run folder: <c>checkpoint/</c> (the latest, <see cref="Checkpoint"/>), <c>checkpoints/step-N/</c> (those kept),
/// <c>config.json</c>, <c>command.txt</c> (every command that trained it), <c>metrics.jsonl</c> and the curves. What a
/// fresh run may replace and what a resumed one keeps is decided here.
/// </summary>
public sealed class RunFolder(string dir)
{
    public string Dir { get; } = dir;
    public string CheckpointDir => Path.Combine(Dir, "checkpoint");
    public string KeptCheckpointsDir => Path.Combine(Dir, Checkpoint.KeptDir);
    public string MetricsPath => Path.Combine(Dir, "metrics.jsonl");
    public string TrainingCurvePath => Path.Combine(Dir, "training_curve.png");

    /// <summary>
    /// What a run folder allows: a fresh run needs a folder without one (or <paramref name="overwrite"/>);
    /// <paramref name="resume"/> needs a checkpoint. Checked again under the run's lock when training starts.
    /// </summary>
    public static void Check(string runDir, bool resume, bool overwrite)
    {
        string checkpoint = Path.Combine(runDir, "checkpoint");
        bool hasCheckpoint = Directory.Exists(checkpoint) || IO.AtomicFile.Previous(checkpoint) != null;
        bool hasRun = hasCheckpoint || File.Exists(Path.Combine(runDir, "metrics.jsonl"));
        if (resume && !hasCheckpoint)
            throw new IOException(hasRun
                ? $"nothing to resume in {runDir}: the run stopped before its first checkpoint (metrics.jsonl only); start it again with --overwrite"
                : $"nothing to resume in {runDir}: it has no checkpoint/ yet (train without --resume to start it)");
        if (!resume && !hasCheckpoint && hasRun && !overwrite)
            throw new IOException($"{runDir} holds a run that stopped before its first checkpoint (metrics.jsonl only): pass --overwrite to start it again, or choose another --out");
        if (!resume && hasRun && !overwrite)
            throw new IOException($"{runDir} already holds a training run ({(hasCheckpoint ? "checkpoint/" : "metrics.jsonl")}): " +
                "pass --resume to continue it, --overwrite to replace it, or choose another --out");
    }

    /// <summary>A fresh run replacing an old one: its checkpoints, metrics and curves go.</summary>
    public void ClearPreviousRun()
    {
        if (Directory.Exists(CheckpointDir)) Directory.Delete(CheckpointDir, true);
        if (Directory.Exists(KeptCheckpointsDir)) Directory.Delete(KeptCheckpointsDir, true);
        foreach (var f in new[] { MetricsPath, TrainingCurvePath, Path.Combine(Dir, "eval_curve.png") })
            if (File.Exists(f)) File.Delete(f);
    }

    /// <summary>The run's config, and the command that trains it (appended on resume: the file lists every command of the run).</summary>
    public void Describe(RunConfig config, string? commandLine, bool resume)
    {
        ConfigJson.Save(config, Path.Combine(Dir, Checkpoint.ConfigFile));
        if (commandLine == null) return;
        string commandFile = Path.Combine(Dir, "command.txt");
        if (resume && File.Exists(commandFile)) File.AppendAllText(commandFile, commandLine + "\n");
        else File.WriteAllText(commandFile, commandLine + "\n");
    }

    public void AppendMetrics(TrainMetrics m) => File.AppendAllText(MetricsPath, JsonSerializer.Serialize(m, ConfigJson.Compact) + "\n");

    /// <summary>On resume, drops metric lines written after the checkpoint's step (and a line cut by a kill), so the file reads as one run.</summary>
    public void TrimMetrics(int step)
    {
        if (!File.Exists(MetricsPath)) return;
        var kept = File.ReadAllLines(MetricsPath).Where(l =>
        {
            try { return JsonSerializer.Deserialize<TrainMetrics>(l, ConfigJson.Compact)!.Step <= step; }
            catch (JsonException) { return false; }
        }).ToArray();
        File.WriteAllLines(MetricsPath, kept);
    }
}
