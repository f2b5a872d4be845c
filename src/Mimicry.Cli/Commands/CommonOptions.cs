using System.CommandLine;
using Mimicry.Evaluation;

namespace Mimicry.Cli.Commands;

/// <summary>The options several commands share, declared once: the same name, description and default everywhere.</summary>
internal static class CommonOptions
{
    /// <summary><c>--out</c>: where a command writes; required unless it has a default folder.</summary>
    public static Option<string> Out(string description, string? defaultFolder = null) => defaultFolder == null
        ? new("--out") { Description = description, Required = true }
        : new("--out") { Description = description, DefaultValueFactory = _ => defaultFolder };

    /// <summary><c>--episodes</c>: evaluation episodes, on consecutive seeds from <c>--seed-start</c>.</summary>
    public static Option<int> Episodes(string description = "evaluation episodes (seeds seed-start, seed-start + 1, ...)", int defaultEpisodes = 50) =>
        new("--episodes") { Description = description, DefaultValueFactory = _ => defaultEpisodes };

    /// <summary><c>--seed-start</c>: the first evaluation seed (DP's test seeds start at 100000).</summary>
    public static Option<long> SeedStart() =>
        new("--seed-start") { Description = $"first evaluation seed (DP's test seeds start at {EvalOptions.DefaultFirstSeed})", DefaultValueFactory = _ => EvalOptions.DefaultFirstSeed };

    /// <summary><c>--steps</c>: training steps (null: the config's).</summary>
    public static Option<int?> Steps(string description = "training steps (train.steps)") => new("--steps") { Description = description };

    /// <summary><c>--set</c>: config overrides, <c>key=value</c>.</summary>
    public static Option<string[]> Set(string description = "override a config field, e.g. policy.down_dims=[64,128,256] or train.lr=3e-4") =>
        new("--set") { Description = description, AllowMultipleArgumentsPerToken = false };

    /// <summary><c>--set POLICY:key=value</c>: an override for one policy of a multi-policy experiment.</summary>
    public static Option<string[]> PolicySettings() =>
        new("--set") { Description = "override one policy's run config: POLICY:key=value, e.g. act:policy.kl_weight=1 or bc:train.lr=1e-4 (repeatable)", AllowMultipleArgumentsPerToken = false };

    /// <summary>Groups <c>POLICY:key=value</c> overrides by policy.</summary>
    public static IReadOnlyDictionary<string, string[]> ParsePolicySettings(string[]? settings) =>
        (settings ?? []).Select(s =>
        {
            int colon = s.IndexOf(':'), eq = s.IndexOf('=');
            if (colon <= 0 || eq < colon) throw new ArgumentException($"--set '{s}': expected POLICY:key=value, e.g. act:policy.kl_weight=1");
            return (Policy: s[..colon].Trim(), Setting: s[(colon + 1)..].Trim());
        }).GroupBy(x => x.Policy).ToDictionary(g => g.Key, g => g.Select(x => x.Setting).ToArray());
}
