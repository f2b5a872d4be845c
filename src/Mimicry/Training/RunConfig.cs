using Mimicry.Configuration;
using Mimicry.Policies;
using Mimicry.Numerics;

namespace Mimicry.Training;

/// <summary>Everything a training run needs, saved as <c>config.json</c> in the run folder and in every checkpoint.</summary>
public sealed record RunConfig
{
    /// <summary>Task the policy acts in, for evaluation: "pusht" or "fork".</summary>
    public string Task { get; init; } = "pusht";
    /// <summary>Dataset: a LeRobot v2.1 folder, or a Diffusion Policy Push-T zarr (imported on the fly).</summary>
    public string Dataset { get; init; } = "";
    /// <summary>The policy; default: the first registered policy's published defaults (Diffusion Policy).</summary>
    public PolicyConfig Policy { get; init; } = PolicyRegistry.All[0].Defaults();
    public TrainConfig Train { get; init; } = new();
    /// <summary>Torch device: "cpu", "cuda", "cuda:1".</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>The preset this run started from (<c>mimicry presets</c>), if any.</summary>
    public string? Preset { get; init; }
    /// <summary>How this configuration differs from the paper it follows, printed in every report.</summary>
    public IReadOnlyList<string> Deviations { get; init; } = [];

    public void Validate()
    {
        if (Policy is null) throw new ArgumentException($"policy: missing; give a policy section with a \"type\" ({string.Join(", ", PolicyRegistry.Names)})");
        if (Train is null) throw new ArgumentException("train: must be an object (leave it out for the defaults)");
        Policy.Validate();
        Train.Validate();
        Envs.Tasks.Get(Task);
        Devices.Parse(Device);
    }

    /// <summary>The policy section as canonical JSON (to compare architectures).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public string PolicyJson => ConfigJson.Serialize(Policy);
}
