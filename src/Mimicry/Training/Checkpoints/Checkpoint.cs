using Mimicry.Configuration;
using Mimicry.Policies;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mimicry.Training.Checkpoints;

/// <summary>
/// A checkpoint folder:
/// <code>
/// config.json            the run config (policy + training)
/// model.safetensors      the weights to act with (the EMA weights when EMA is on), names as in the reference code
/// normalization.json     per-feature normalization mode and dataset statistics
/// training/              what resuming needs: raw weights, optimizer state, trainer and RNG state
/// checksums.json         SHA-256 of every file above, verified on load and on resume
/// </code>
/// Written to a temporary folder and swapped in by renames, so a crash keeps the previous checkpoint whole.
/// </summary>
public static class Checkpoint
{
    public const string ConfigFile = "config.json", ModelFile = "model.safetensors", NormalizationFile = "normalization.json", FittedFile = "fitted.json";
    public const string TrainingDir = "training", RawModelFile = "model.safetensors", OptimizerFile = "optimizer.safetensors", LegacyOptimizerFile = "optimizer.bin",
        StateFile = "state.json", GeneratorFile = "generator.bin", DefaultGeneratorFile = "default_generator.bin";

    /// <summary>What acting needs from a checkpoint: config, weights, normalization, and a fitted policy's fitted parts (only it has that file).</summary>
    public static readonly string[] ActingFiles = [ConfigFile, ModelFile, NormalizationFile, FittedFile];

    /// <summary>Saves an acting checkpoint: config, weights, normalization, and a fitted policy's fitted parts (<see cref="IFittedPolicy"/>).</summary>
    public static void SavePolicyFiles(string dir, RunConfig config, nn.Module weights, PolicyNormalizers normalizers, IPolicy? policy = null)
    {
        ConfigJson.Save(config, Path.Combine(dir, ConfigFile));
        weights.save_safetensors(Path.Combine(dir, ModelFile));
        normalizers.Save(Path.Combine(dir, NormalizationFile));
        if (policy is IFittedPolicy fitted) IO.AtomicFile.WriteAllText(Path.Combine(dir, FittedFile), fitted.SaveFitted());
    }

    /// <summary>Records the SHA-256 of every file of a finished checkpoint folder (checked by <see cref="Load"/> and on resume).</summary>
    public static void SealFiles(string dir) => IO.FolderChecksums.Checkpoint.Write(dir);

    /// <summary>Loads a policy from a checkpoint folder (or a run folder holding <c>checkpoint/</c>).</summary>
    /// <param name="expected">When given, its policy section must equal the saved one, acting-only fields aside.</param>
    /// <param name="acting">Overrides of acting-only fields ("policy.sampler=ddim"); any other field is an error.</param>
    /// <param name="rawWeights">Act with the trained weights, not their EMA: the same run as if trained without EMA (the EMA
    /// is a shadow copy that never feeds back into training), at no training cost.</param>
    /// <remarks>A checkpoint that a running training is replacing at this moment is read again once the swap is done
    /// (for up to 10 s), so a run can be evaluated while it trains.</remarks>
    public static (RunConfig Config, IPolicy Policy) Load(string path, Device? device = null, RunConfig? expected = null, IReadOnlyList<string>? acting = null,
        bool rawWeights = false)
    {
        for (int attempt = 0; ; attempt++)
        {
            try { return LoadOnce(path, device, expected, acting, rawWeights); }
            catch (Exception e) when (e is IOException or InvalidDataException && attempt < 100 && BeingWritten(path))
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Whether the run a checkpoint path belongs to is held by a training (its checkpoint may be mid-swap).</summary>
    private static bool BeingWritten(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd('/');
        foreach (var candidate in new[] { full, Path.GetDirectoryName(full), Path.GetDirectoryName(Path.GetDirectoryName(full)) })
            if (candidate != null && RunLock.IsHeld(candidate)) return true;
        return false;
    }

    private static (RunConfig Config, IPolicy Policy) LoadOnce(string path, Device? device, RunConfig? expected, IReadOnlyList<string>? acting, bool rawWeights)
    {
        string dir = ResolveDir(path);
        IO.FolderChecksums.Checkpoint.Verify(dir);
        var config = ConfigJson.Load<RunConfig>(Path.Combine(dir, ConfigFile));
        if (expected != null) EnsureSamePolicy(expected, config, dir, ignoreActing: true);
        if (acting is { Count: > 0 }) config = WithActingOverrides(config, acting, dir);
        var normalizers = PolicyNormalizers.Load(Path.Combine(dir, NormalizationFile));
        var policy = PolicyRegistry.Create(config.Policy, normalizers, device ?? CPU);
        try
        {
            if (policy is IFittedPolicy fitted)
            {
                string file = Path.Combine(dir, FittedFile);
                if (!File.Exists(file)) throw new FileNotFoundException($"{file} is missing: a {config.Policy.Name} policy keeps its fitted tokenizer there", file);
                fitted.LoadFitted(File.ReadAllText(file), file);
            }
            LoadWeights(policy.Network, rawWeights ? RawWeightsFile(dir, config) : Path.Combine(dir, ModelFile), config);
        }
        catch { policy.Dispose(); throw; }
        return (config, policy);
    }

    /// <summary>
    /// The trained (not averaged) weights of a checkpoint: <c>training/model.safetensors</c> when the run kept an EMA (the run's
    /// checkpoint, and kept checkpoints of EMA runs), the acting weights themselves when it did not.
    /// </summary>
    public static string RawWeightsFile(string dir, RunConfig config)
    {
        string raw = Path.Combine(dir, TrainingDir, RawModelFile);
        if (File.Exists(raw)) return raw;
        if (!config.Train.UseEma) return Path.Combine(dir, ModelFile);
        throw new FileNotFoundException($"{raw} is missing: this checkpoint of an EMA run keeps only its averaged weights " +
            "(kept checkpoints written before raw weights were kept beside them); evaluate the run's latest checkpoint, or its EMA weights", raw);
    }

    /// <summary>Applies "policy.field=value" overrides that touch only acting-only fields of the saved policy.</summary>
    public static RunConfig WithActingOverrides(RunConfig config, IReadOnlyList<string> overrides, string dir)
    {
        var entry = PolicyRegistry.Of(config.Policy.GetType());
        foreach (var o in overrides)
        {
            string key = o.Split('=', 2)[0].Trim();
            string field = key.StartsWith("policy.", StringComparison.Ordinal) ? key["policy.".Length..] : "";
            if (!entry.ActingFields.Contains(field))
                throw new ArgumentException($"--set {o}: {dir} holds a {entry.Name} policy, whose acting settings are " +
                    $"{string.Join(", ", entry.ActingFields.Select(f => "policy." + f))}; other fields are fixed by its training");
        }
        var result = ConfigJson.WithOverrides(config, overrides);
        result.Policy.Validate();
        return result;
    }

    /// <summary>Where a run keeps the acting weights of its last K checkpoints (<c>train.keep_checkpoints</c>).</summary>
    public const string KeptDir = "checkpoints";

    public static string KeptName(int step) => $"step-{step:D7}";

    /// <summary>The checkpoint <c>train.best_on</c> keeps (<c>RUN/checkpoints/best/</c>), and the file naming what chose it.</summary>
    public const string BestName = "best", BestFile = "best.json";

    /// <summary>The kept checkpoints of a run, oldest first.</summary>
    public static IReadOnlyList<(int Step, string Dir)> Kept(string runDir)
    {
        string dir = Path.Combine(runDir, KeptDir);
        if (!Directory.Exists(dir)) return [];
        return Directory.GetDirectories(dir, "step-*")
            .Select(d => (Ok: int.TryParse(Path.GetFileName(d)["step-".Length..], out int step), Step: step, Dir: d))
            .Where(k => k.Ok && !k.Dir.Contains(".tmp-") && !k.Dir.Contains(".old-")).OrderBy(k => k.Step).Select(k => (k.Step, k.Dir)).ToList();
    }

    /// <summary>
    /// The checkpoints a selection names: "latest" (the run's checkpoint/), "last:K" (the newest K kept ones),
    /// "all" (every kept one) or "best" (the one train.best_on kept).
    /// </summary>
    public static IReadOnlyList<string> Select(string runPath, string selection)
    {
        if (selection == "latest") return [runPath];
        if (selection == BestName)
        {
            string best = Path.Combine(runPath, KeptDir, BestName);
            return Directory.Exists(best) ? [best]
                : throw new ArgumentException($"--checkpoints best: {runPath} kept no best checkpoint (train it with train.best_on=MEASURE, e.g. val_loss)");
        }
        var kept = Kept(runPath);
        if (kept.Count == 0)
            throw new ArgumentException($"--checkpoints {selection}: {runPath} kept no checkpoints (train it with train.keep_checkpoints=K)");
        if (selection == "all") return kept.Select(k => k.Dir).ToList();
        if (selection.StartsWith("last:", StringComparison.Ordinal) && int.TryParse(selection[5..], out int k) && k >= 1)
        {
            if (k > kept.Count) throw new ArgumentException($"--checkpoints {selection}: {runPath} kept {kept.Count} checkpoints");
            return kept.TakeLast(k).Select(c => c.Dir).ToList();
        }
        throw new ArgumentException($"--checkpoints '{selection}': use latest, last:K, all or best");
    }

    public static string ResolveDir(string path)
    {
        if (File.Exists(Path.Combine(path, ConfigFile)) && File.Exists(Path.Combine(path, ModelFile))) return path;
        var inner = Path.Combine(path, "checkpoint");
        if (File.Exists(Path.Combine(inner, ModelFile))) return inner;
        // A swap interrupted between its two renames leaves the previous checkpoint whole under checkpoint.old-*.
        if (IO.AtomicFile.Previous(inner) is { } previous && File.Exists(Path.Combine(previous, ModelFile))) return previous;
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"checkpoint not found: {path}");
        throw new FileNotFoundException($"no checkpoint in {path}: expected {ModelFile} and {ConfigFile} there or in {inner}");
    }

    /// <summary>Loads weights strictly; a missing file, a missing tensor or a shape mismatch names the file and the config.</summary>
    public static void LoadWeights(nn.Module module, string file, RunConfig config)
    {
        IO.SafetensorsFile.Validate(file);
        try { module.load_safetensors(file, strict: true); }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{file} does not match the {config.Policy.Name} architecture of its config " +
                $"({ConfigJson.Serialize(config.Policy).ReplaceLineEndings(" ")}): {e.Message}", e);
        }
    }

    /// <summary>
    /// A resumed or evaluated run must keep its architecture: lists the fields that differ. Resuming
    /// compares every field (acting-only ones too: n_action_steps shapes the training windows);
    /// evaluation ignores the acting-only ones.
    /// </summary>
    public static void EnsureSamePolicy(RunConfig expected, RunConfig saved, string dir, bool ignoreActing = false)
    {
        var a = System.Text.Json.Nodes.JsonNode.Parse(expected.PolicyJson)!.AsObject();
        var b = System.Text.Json.Nodes.JsonNode.Parse(saved.PolicyJson)!.AsObject();
        var skip = ignoreActing && expected.Policy.GetType() == saved.Policy.GetType() ? PolicyRegistry.Of(saved.Policy.GetType()).ActingFields : [];
        var diff = a.Select(p => p.Key).Union(b.Select(p => p.Key))
            .Where(k => !skip.Contains(k) && a[k]?.ToJsonString() != b[k]?.ToJsonString())
            .Select(k => $"policy.{k}: checkpoint {b[k]?.ToJsonString() ?? "(none)"}, requested {a[k]?.ToJsonString() ?? "(none)"}")
            .ToList();
        if (diff.Count > 0)
            throw new InvalidDataException($"checkpoint {dir} was trained with a different policy config: {string.Join("; ", diff)}");
    }
}
