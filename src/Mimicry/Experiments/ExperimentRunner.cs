using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Evaluation;
using Mimicry.IO;
using Mimicry.Policies;
using Mimicry.Runtime;
using Mimicry.Training;
using static TorchSharp.torch;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Experiments;

/// <summary>
/// The loop every experiment shares: train an arm's config (or reuse the finished run of the same config, or resume a
/// partly trained one), then evaluate each of its acting variants on the same seeds. Evaluations can be cached per
/// variant, so a killed experiment continues where it stopped.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>
    /// Trains <paramref name="config"/> into <paramref name="runDir"/>. A finished run of the same config is reused, a
    /// partly trained one resumed from its checkpoint; a run of another config is replaced.
    /// </summary>
    /// <param name="display">Shows the steps as they go (the CLI's bar); default: nothing.</param>
    public static TrainedRun TrainOrReuse(RunConfig config, Func<EpisodeDataset> data, string runDir, Action<string>? log = null,
        CancellationToken cancel = default, IProgressDisplay? display = null)
    {
        string name = Path.GetFileName(Path.GetFullPath(runDir).TrimEnd('/'));
        string checkpoint = Path.Combine(runDir, "checkpoint");
        var saved = TrainingCheckpoint.SavedProgress(checkpoint);
        // Weights it cannot account for are never deleted: a checkpoint whose training state is unreadable stops here.
        if (saved == null && Directory.Exists(checkpoint) && File.Exists(Path.Combine(checkpoint, Checkpoint.ModelFile)))
            throw new InvalidDataException($"{Path.Combine(checkpoint, Checkpoint.TrainingDir, Checkpoint.StateFile)}: unreadable, so {runDir} can be neither reused nor resumed; " +
                "restore the file, or delete the run folder to train it again");
        var dataset = new Lazy<EpisodeDataset>(data);
        // The same run: the same config and the same data by content, however the data's path is spelled (a run recorded
        // before content hashes: by its config's path).
        string? trainedOn = saved == null ? null : TrainingCheckpoint.SavedDatasetFingerprint(checkpoint);
        bool same = saved != null && SameConfig(runDir, config, ignoreDataset: trainedOn != null)
            && (trainedOn == null || trainedOn == dataset.Value.Fingerprint);
        if (same && saved is { } done && Trainer.Finished(checkpoint, config.Train))
        {
            log?.Invoke($"{name}: trained earlier ({done.Step} steps), reused");
            return new TrainedRun(runDir, done.Step, done.ElapsedSeconds, Reused: true);
        }
        if (saved != null && !same) log?.Invoke($"{name}: holds a run of another config or other data: training it again");
        string length = config.Train.Minutes > 0 ? $"{config.Train.Minutes:0.##} minutes, about {config.Train.Steps} steps" : $"{config.Train.Steps} steps";
        log?.Invoke($"training {name} ({length}{(same ? $", resuming at {saved!.Value.Step}" : "")})");
        using var trainer = new Trainer(config, dataset.Value, runDir) { Log = log, CommandLine = Provenance.CommandLine };
        (display ?? NoProgress.Instance).Run($"training {name}", config.Train.Steps, p =>
        {
            trainer.Run(resume: same, progress: t => p.Report(t.Step), cancel: cancel, overwrite: !same && Directory.Exists(runDir));
            return 0;
        });
        return new TrainedRun(runDir, trainer.Step, trainer.ElapsedSeconds, Reused: false);
    }

    /// <summary>Whether the run folder's checkpoint was trained with exactly this config.</summary>
    private static bool SameConfig(string runDir, RunConfig config, bool ignoreDataset)
    {
        string file = Path.Combine(runDir, "checkpoint", Checkpoint.ConfigFile);
        RunConfig Key(RunConfig c) => ignoreDataset ? c with { Dataset = "" } : c;
        try { return File.Exists(file) && Arm.HashOf(Key(ConfigJson.Load<RunConfig>(file))) == Arm.HashOf(Key(config)); }
        catch (InvalidDataException) { return false; }
    }

    /// <summary>
    /// Each variant of a trained run: the checkpoint loaded with the variant's acting overrides, then measured. With
    /// <paramref name="cacheDir"/>, each result is kept there and read back instead of measured again, keyed by its
    /// content: the checkpoint's files (their checksums), the variant's acting settings and <paramref name="protocol"/> (the
    /// caller's episodes, seeds and whatever else it measures with). Another checkpoint or protocol is measured anew.
    /// </summary>
    public static List<T> EvaluateVariants<T>(string runDir, IEnumerable<ActingVariant> variants, Func<ActingVariant, RunConfig, IPolicy, T> measure,
        string? cacheDir = null, string protocol = "", Device? device = null) where T : class
    {
        var results = new List<T>();
        // Cached rows stand for these weights only while the weights are as written (a truncated model is caught here).
        if (cacheDir != null) IO.FolderChecksums.Checkpoint.Verify(Checkpoint.ResolveDir(runDir));
        foreach (var variant in variants)
        {
            string? cache = cacheDir == null ? null : Path.Combine(cacheDir, $"{Slug(variant.Id)}-{CacheKey(runDir, variant, protocol)}.json");
            if (cache != null && File.Exists(cache) && ReadCached<T>(cache) is { } cached) { results.Add(cached); continue; }
            var (config, policy) = Checkpoint.Load(runDir, device, acting: variant.Acting);
            using (policy)
            {
                var result = measure(variant, config, policy);
                if (cache != null)
                {
                    Directory.CreateDirectory(cacheDir!);
                    AtomicFile.WriteAllText(cache, JsonSerializer.Serialize(result, ConfigJson.Options));
                }
                results.Add(result);
            }
        }
        return results;
    }

    /// <summary>The identity of one evaluation: the checkpoint's recorded checksums, the acting settings and the protocol, hashed.</summary>
    private static string CacheKey(string runDir, ActingVariant variant, string protocol)
    {
        string checksums = Path.Combine(Checkpoint.ResolveDir(runDir), IO.FolderChecksums.Checkpoint.FileName);
        string identity = (File.Exists(checksums) ? File.ReadAllText(checksums) : "") + "\n" + string.Join("\n", variant.Acting) + "\n" + protocol;
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity)))[..12].ToLowerInvariant();
    }

    /// <summary>A cached result, or null (measured again) when the file is unreadable: a cut write or an edit.</summary>
    private static T? ReadCached<T>(string file) where T : class
    {
        // Strict: a field missing or null that the record requires (a file cut short, `{}`) makes it unreadable.
        var strict = new JsonSerializerOptions(ConfigJson.Options) { RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true };
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(file), strict); }
        catch (JsonException) { return null; }
    }

    /// <summary>A file name for an id or a row label: letters and digits, the rest as '-'.</summary>
    public static string Slug(string text) => new string(text.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
}
