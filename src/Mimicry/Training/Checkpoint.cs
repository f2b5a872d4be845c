using Mimicry.Configuration;
using Mimicry.Policies;
using Mimicry.Policies.Diffusion;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mimicry.Training;

/// <summary>
/// A checkpoint folder:
/// <code>
/// config.json            the run config (policy + training)
/// model.safetensors      the weights to act with (the EMA weights when EMA is on), names as in the reference code
/// normalization.json     per-feature normalization mode and dataset statistics
/// training/              what resuming needs: raw weights, optimizer state, trainer and RNG state
/// </code>
/// Written to a temporary folder and swapped in by renames, so a crash keeps the previous checkpoint whole.
/// </summary>
public static class Checkpoint
{
    public const string ConfigFile = "config.json", ModelFile = "model.safetensors", NormalizationFile = "normalization.json";
    public const string TrainingDir = "training", RawModelFile = "model.safetensors", OptimizerFile = "optimizer.bin",
        StateFile = "state.json", GeneratorFile = "generator.bin";

    /// <summary>Creates the policy a config describes (one switch for every policy type).</summary>
    public static IPolicy CreatePolicy(PolicyConfig config, PolicyNormalizers normalizers, Device device)
    {
        int obsDim = normalizers.Features[config.ObservationKey].Stats.Dim;
        int actionDim = normalizers.Features[Data.FeatureKeys.Action].Stats.Dim;
        return config switch
        {
            DiffusionConfig d => new DiffusionPolicy(d, obsDim, actionDim, normalizers, device),
            Policies.Bc.BcConfig b => new Policies.Bc.BcPolicy(b, obsDim, actionDim, normalizers, device),
            _ => throw new NotSupportedException($"policy type {config.GetType().Name} is not supported"),
        };
    }

    /// <summary>Saves an acting checkpoint: config, weights, normalization.</summary>
    public static void SavePolicyFiles(string dir, RunConfig config, nn.Module weights, PolicyNormalizers normalizers)
    {
        ConfigJson.Save(config, Path.Combine(dir, ConfigFile));
        weights.save_safetensors(Path.Combine(dir, ModelFile));
        normalizers.Save(Path.Combine(dir, NormalizationFile));
    }

    /// <summary>Loads a policy from a checkpoint folder (or a run folder holding <c>checkpoint/</c>).</summary>
    /// <param name="expected">When given, its policy section must equal the saved one.</param>
    public static (RunConfig Config, IPolicy Policy) Load(string path, Device? device = null, RunConfig? expected = null)
    {
        string dir = ResolveDir(path);
        var config = ConfigJson.Load<RunConfig>(Path.Combine(dir, ConfigFile));
        if (expected != null) EnsureSamePolicy(expected, config, dir);
        var normalizers = PolicyNormalizers.Load(Path.Combine(dir, NormalizationFile));
        var policy = CreatePolicy(config.Policy, normalizers, device ?? CPU);
        LoadWeights(policy.Network, Path.Combine(dir, ModelFile), config);
        return (config, policy);
    }

    public static string ResolveDir(string path)
    {
        if (File.Exists(Path.Combine(path, ConfigFile)) && File.Exists(Path.Combine(path, ModelFile))) return path;
        var inner = Path.Combine(path, "checkpoint");
        if (File.Exists(Path.Combine(inner, ModelFile))) return inner;
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"checkpoint not found: {path}");
        throw new FileNotFoundException($"no checkpoint in {path}: expected {ModelFile} and {ConfigFile} there or in {inner}");
    }

    /// <summary>Loads weights strictly; a missing file, a missing tensor or a shape mismatch names the file and the config.</summary>
    public static void LoadWeights(nn.Module module, string file, RunConfig config)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"weights not found: {file}", file);
        try { module.load_safetensors(file, strict: true); }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{file} does not match the {config.Policy.Name} architecture of its config " +
                $"({ConfigJson.Serialize(config.Policy).ReplaceLineEndings(" ")}): {e.Message}", e);
        }
    }

    /// <summary>A resumed or evaluated run must keep its architecture: lists the fields that differ.</summary>
    public static void EnsureSamePolicy(RunConfig expected, RunConfig saved, string dir)
    {
        var a = System.Text.Json.Nodes.JsonNode.Parse(expected.PolicyJson)!.AsObject();
        var b = System.Text.Json.Nodes.JsonNode.Parse(saved.PolicyJson)!.AsObject();
        var diff = a.Select(p => p.Key).Union(b.Select(p => p.Key))
            .Where(k => a[k]?.ToJsonString() != b[k]?.ToJsonString())
            .Select(k => $"policy.{k}: checkpoint {b[k]?.ToJsonString() ?? "(none)"}, requested {a[k]?.ToJsonString() ?? "(none)"}")
            .ToList();
        if (diff.Count > 0)
            throw new InvalidDataException($"checkpoint {dir} was trained with a different policy config: {string.Join("; ", diff)}");
    }
}
