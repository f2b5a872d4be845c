using System.Text.Json;
using System.Text.Json.Nodes;
using Mimicry.Configuration;

namespace Mimicry.Training;

/// <summary>A published configuration shipped with the tool, with every way it departs from its paper.</summary>
/// <param name="Name">What <c>--preset</c> takes.</param>
/// <param name="Description">One line.</param>
/// <param name="PaperSource">Where the paper's number for this configuration is.</param>
/// <param name="PaperMax">The paper's reported score (max over the last checkpoints), when there is one.</param>
/// <param name="Deviations">Every difference from the paper's protocol.</param>
/// <param name="Config">The run config (policy, train, task), with <see cref="RunConfig.Preset"/> and deviations filled in.</param>
public sealed record Preset(string Name, string Description, string? PaperSource, double? PaperMax, IReadOnlyList<string> Deviations, RunConfig Config)
{
    /// <summary>The paper's average over the last checkpoints, when it reports one.</summary>
    public double? PaperAvg { get; init; }
}

/// <summary>The presets embedded in the library (<c>src/Mimicry/Presets/*.json</c>).</summary>
public static class Presets
{
    private static readonly Lazy<IReadOnlyList<Preset>> Loaded = new(() => typeof(Presets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("Mimicry.Presets.", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Order().Select(n =>
        {
            using var stream = typeof(Presets).Assembly.GetManifestResourceStream(n)!;
            using var reader = new StreamReader(stream);
            return Parse(reader.ReadToEnd(), n);
        }).ToList());

    public static IReadOnlyList<Preset> All => Loaded.Value;

    public static Preset Get(string name) => All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown preset '{name}' (known: {string.Join(", ", All.Select(p => p.Name))}; `mimicry presets` lists them)");

    /// <summary>Reads a preset file: name, description, paper, deviations and a run config.</summary>
    public static Preset Parse(string json, string source)
    {
        JsonObject root;
        try { root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{source}: empty preset"); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: invalid JSON ({e.Message})", e); }
        string Text(string field) => root[field]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: field '{field}' is missing");
        var deviations = root["deviations"]?.AsArray().Select(d => d!.GetValue<string>()).ToList() ?? [];
        var config = ConfigJson.Deserialize<RunConfig>(root["config"]?.ToJsonString() ?? throw new InvalidDataException($"{source}: field 'config' is missing"), $"{source}: config");
        string name = Text("name");
        config = config with { Preset = name, Deviations = deviations };
        config.Validate();
        var paper = root["paper"] as JsonObject;
        return new Preset(name, Text("description"), paper?["source"]?.GetValue<string>(), paper?["max"]?.GetValue<double>(), deviations, config)
        { PaperAvg = paper?["avg"]?.GetValue<double>() };
    }
}
