using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.Data.Sampling;
using Mimicry.Policies;
using Mimicry.Training.Optim;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mimicry.Training.Checkpoints;

/// <summary>What a trainer is made of, as far as its checkpoint is concerned.</summary>
/// <param name="ActingNetwork">The weights to act with: the EMA copy when EMA is on.</param>
/// <param name="DatasetFingerprint">The training data's content hash (<see cref="Data.EpisodeDataset.Fingerprint"/>).</param>
internal sealed record TrainerParts(RunConfig Config, IPolicy Policy, nn.Module ActingNetwork, nn.Module? EmaNetwork, Ema? Ema, FlatAdamW Optimizer,
    Generator Generator, BatchLoader Loader, string DatasetFingerprint);

/// <summary>The checkpoint <c>train.best_on</c> kept: the measure, its value there, and the step.</summary>
public sealed record BestCheckpoint(string Measure, double Value, int Step);

/// <summary>
/// The training half of a checkpoint (<c>checkpoint/training/</c>): raw weights, AdamW's state, the trainer's step and
/// clock, the sampler's position and both random generators, so that a resumed run reaches the same weights as an
/// uninterrupted one. Written with the acting files in one atomic folder swap.
/// </summary>
public static class TrainingCheckpoint
{
    /// <param name="OptimizerStep">AdamW's t (null in checkpoints written before Mimicry's own AdamW: their optimizer.bin has it).</param>
    /// <param name="DatasetFingerprint">The training data's content hash (null in checkpoints written before it was recorded).</param>
    /// <param name="Length">The run's length once train.minutes fitted it (null: the configured one, or not fitted yet).</param>
    internal sealed record TrainerState(int Step, long EmaStep, double ElapsedSeconds, BatchLoader.State Sampler, long? OptimizerStep = null, string? DatasetFingerprint = null,
        TrainLength? Length = null);

    /// <summary>The content hash of the data a checkpoint was trained on (null: not recorded, or unreadable).</summary>
    public static string? SavedDatasetFingerprint(string checkpointDir) => ReadState(checkpointDir)?.DatasetFingerprint;

    /// <summary>The step and training seconds a checkpoint folder was saved at (null: not a training checkpoint, or unreadable).</summary>
    public static (int Step, double ElapsedSeconds)? SavedProgress(string checkpointDir) => ReadState(checkpointDir) is { } s ? (s.Step, s.ElapsedSeconds) : null;

    /// <summary>The length train.minutes fitted the checkpoint's run to (null: none fitted, or unreadable).</summary>
    public static TrainLength? SavedLength(string checkpointDir) => ReadState(checkpointDir)?.Length;

    private static TrainerState? ReadState(string checkpointDir)
    {
        string file = Path.Combine(checkpointDir, Checkpoint.TrainingDir, Checkpoint.StateFile);
        if (!File.Exists(file)) return null;
        try { return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(file), ConfigJson.Options); }
        catch (JsonException) { return null; }
    }

    /// <summary>Writes the acting checkpoint and the training state into <paramref name="checkpointDir"/>, atomically.</summary>
    internal static void Save(string checkpointDir, TrainerParts p, int step, double elapsedSeconds, TrainLength? length)
    {
        IO.AtomicFile.WriteDirectory(checkpointDir, dir =>
        {
            Checkpoint.SavePolicyFiles(dir, p.Config, p.ActingNetwork, p.Policy.Normalizers, p.Policy);
            string training = Path.Combine(dir, Checkpoint.TrainingDir);
            Directory.CreateDirectory(training);
            p.Policy.Network.save_safetensors(Path.Combine(training, Checkpoint.RawModelFile));
            Safetensors.SaveStateDict(Path.Combine(training, Checkpoint.OptimizerFile), p.Optimizer.StateTensors());
            using (var state = p.Generator.get_state()) File.WriteAllBytes(Path.Combine(training, Checkpoint.GeneratorFile), state.bytes.ToArray());
            using (var state = torch.random.get_rng_state()) File.WriteAllBytes(Path.Combine(training, Checkpoint.DefaultGeneratorFile), state.bytes.ToArray());
            File.WriteAllText(Path.Combine(training, Checkpoint.StateFile),
                JsonSerializer.Serialize(new TrainerState(step, p.Ema?.OptimizationStep ?? 0, elapsedSeconds, p.Loader.SaveState(), p.Optimizer.StepCount, p.DatasetFingerprint, length), ConfigJson.Options));
            Checkpoint.SealFiles(dir);
        });
    }

    /// <summary>Copies the acting files of this step into <c>checkpoints/step-N/</c> (and the trained weights, when they differ from
    /// the acting ones: <paramref name="withRawWeights"/>) and drops all but the newest <paramref name="keep"/>.</summary>
    internal static void Keep(RunFolder run, int step, int keep, bool withRawWeights)
    {
        IO.AtomicFile.WriteDirectory(Path.Combine(run.KeptCheckpointsDir, Checkpoint.KeptName(step)), dir => CopyActing(run, dir, withRawWeights));
        foreach (var old in Checkpoint.Kept(run.Dir).SkipLast(keep)) Directory.Delete(old.Dir, true);
    }

    /// <summary>Replaces <c>checkpoints/best/</c> with the run's checkpoint of this step and the measure that chose it.</summary>
    internal static void KeepBest(RunFolder run, int step, BestCheckpoint best, bool withRawWeights) =>
        IO.AtomicFile.WriteDirectory(Path.Combine(run.KeptCheckpointsDir, Checkpoint.BestName), dir =>
        {
            File.WriteAllText(Path.Combine(dir, Checkpoint.BestFile), JsonSerializer.Serialize(best, ConfigJson.Options));
            CopyActing(run, dir, withRawWeights);
        });

    /// <summary>What chose <c>checkpoints/best/</c> (null: none kept yet, or unreadable).</summary>
    internal static BestCheckpoint? SavedBest(RunFolder run)
    {
        string file = Path.Combine(run.KeptCheckpointsDir, Checkpoint.BestName, Checkpoint.BestFile);
        if (!File.Exists(file)) return null;
        try { return JsonSerializer.Deserialize<BestCheckpoint>(File.ReadAllText(file), ConfigJson.Options); }
        catch (JsonException) { return null; }
    }

    /// <summary>The acting files of the run's checkpoint and its training state into <paramref name="dir"/> (and the trained weights,
    /// when they differ from the acting ones), sealed.</summary>
    private static void CopyActing(RunFolder run, string dir, bool withRawWeights)
    {
        foreach (var file in Checkpoint.ActingFiles.Where(f => File.Exists(Path.Combine(run.CheckpointDir, f))))
            File.Copy(Path.Combine(run.CheckpointDir, file), Path.Combine(dir, file));
        Directory.CreateDirectory(Path.Combine(dir, Checkpoint.TrainingDir));
        File.Copy(Path.Combine(run.CheckpointDir, Checkpoint.TrainingDir, Checkpoint.StateFile), Path.Combine(dir, Checkpoint.TrainingDir, Checkpoint.StateFile));
        // An EMA run's trained weights too: the checkpoint can then be acted as the same run without EMA (--weights raw).
        if (withRawWeights)
            File.Copy(Path.Combine(run.CheckpointDir, Checkpoint.TrainingDir, Checkpoint.RawModelFile), Path.Combine(dir, Checkpoint.TrainingDir, Checkpoint.RawModelFile));
        Checkpoint.SealFiles(dir);
    }

    /// <summary>Restores every part from a checkpoint saved by the same config (checked first); returns its step, training seconds
    /// and fitted length.</summary>
    internal static (int Step, double ElapsedSeconds, TrainLength? Length) Restore(string checkpointDir, TrainerParts p)
    {
        string dir = checkpointDir, training = Path.Combine(dir, Checkpoint.TrainingDir);
        IO.FolderChecksums.Checkpoint.Verify(dir);
        var saved = ConfigJson.Load<RunConfig>(Path.Combine(dir, Checkpoint.ConfigFile));
        Checkpoint.EnsureSamePolicy(p.Config, saved, dir);
        var s = ConfigJson.Load<TrainerState>(Path.Combine(training, Checkpoint.StateFile));
        // The data by content: the same data under another path resumes; other data under the same path does not.
        if (s.DatasetFingerprint is { } trainedOn ? trainedOn != p.DatasetFingerprint : saved.Dataset != p.Config.Dataset)
            throw new InvalidDataException($"checkpoint {dir} was trained on another dataset: {p.Config.Dataset} holds other data" +
                (s.DatasetFingerprint is null ? $" (it names {saved.Dataset})" : $" (content {s.DatasetFingerprint}, now {p.DatasetFingerprint}: regenerated or changed since)") +
                ". Resume with the data it was trained on, or start a new run (--overwrite)");
        Checkpoint.LoadWeights(p.Policy.Network, Path.Combine(training, Checkpoint.RawModelFile), saved);
        if (p.EmaNetwork != null) Checkpoint.LoadWeights(p.EmaNetwork, Path.Combine(dir, Checkpoint.ModelFile), saved);
        RestoreOptimizer(p, training, s.OptimizerStep);
        using (var current = p.Generator.get_state())
        using (var state = ReadGeneratorState(Path.Combine(training, Checkpoint.GeneratorFile), current.NumberOfElements))
            p.Generator.set_state(state);
        // The default generator draws dropout masks; checkpoints from before it was saved resume without it.
        string defaultGenerator = Path.Combine(training, Checkpoint.DefaultGeneratorFile);
        if (File.Exists(defaultGenerator))
            using (var current = torch.random.get_rng_state())
            using (var state = ReadGeneratorState(defaultGenerator, current.NumberOfElements))
                torch.random.set_rng_state(state);
        if (p.Ema != null) p.Ema.OptimizationStep = s.EmaStep;
        p.Loader.RestoreState(s.Sampler);
        return (s.Step, s.ElapsedSeconds, s.Length);
    }

    /// <summary>AdamW's moments: <c>optimizer.safetensors</c>, or a TorchSharp <c>optimizer.bin</c> of a checkpoint written before Mimicry's own AdamW.</summary>
    private static void RestoreOptimizer(TrainerParts p, string training, long? stepCount)
    {
        string file = Path.Combine(training, Checkpoint.OptimizerFile), legacy = Path.Combine(training, Checkpoint.LegacyOptimizerFile);
        if (!File.Exists(file) && File.Exists(legacy))
        {
            try
            {
                var (byName, step) = LegacyOptimizerState.Read(p.Policy.Network, legacy);
                p.Optimizer.LoadPerParameterState(byName, step, legacy);
                foreach (var (m, v) in byName.Values) { m.Dispose(); v.Dispose(); }
            }
            catch (Exception e) when (e is not (OutOfMemoryException or InvalidDataException))
            {
                throw new InvalidDataException($"{legacy}: cannot read the optimizer state ({e.Message}); the file is truncated or corrupt", e);
            }
            return;
        }
        if (!File.Exists(file)) throw new FileNotFoundException($"checkpoint is incomplete: {file} is missing", file);
        if (stepCount is not { } steps) throw new InvalidDataException($"{Path.Combine(training, Checkpoint.StateFile)}: no optimizer_step beside {file}");
        IO.SafetensorsFile.Validate(file);
        Dictionary<string, Tensor> state;
        try { state = Safetensors.LoadStateDict(file); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{file}: cannot read the optimizer state ({e.Message}); the file is truncated or corrupt", e);
        }
        try { p.Optimizer.LoadStateTensors(state, steps, file); }
        finally { foreach (var t in state.Values) t.Dispose(); }
    }

    /// <summary>A saved generator state, checked for size first (libtorch aborts the process on a wrong one).</summary>
    private static Tensor ReadGeneratorState(string file, long expectedBytes)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"checkpoint is incomplete: {file} is missing", file);
        var bytes = File.ReadAllBytes(file);
        if (bytes.Length != expectedBytes)
            throw new InvalidDataException($"{file}: {bytes.Length} bytes, a generator state has {expectedBytes}; the file is truncated or corrupt");
        return torch.tensor(bytes, dtype: ScalarType.Byte);
    }
}
