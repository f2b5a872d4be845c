using System.Security.Cryptography;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Policies;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Experiments;

/// <summary>
/// One trained configuration of an experiment and the ways it is acted: <paramref name="Id"/> is unique in its plan
/// (and names its run folder), each variant a row of the report.
/// </summary>
public sealed record Arm(string Id, RunConfig Config, IReadOnlyList<ActingVariant> Variants)
{
    /// <summary>The run's identity: its whole config (policy, training, seed, data), hashed.</summary>
    public string Hash => HashOf(Config);

    /// <summary>The config and every variant's acting settings validated: a plan fails before any training, not after it.</summary>
    public Arm Checked()
    {
        Config.Validate();
        foreach (var v in Variants) Checkpoint.WithActingOverrides(Config, v.Acting, $"arm {Id}");
        return this;
    }

    public static string HashOf(RunConfig config) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ConfigJson.Serialize(config))))[..10].ToLowerInvariant();
}

/// <summary>A trained run: its folder, the step and training seconds of its checkpoint, and whether an earlier run was reused.</summary>
public sealed record TrainedRun(string Dir, int Step, double ElapsedSeconds, bool Reused);
