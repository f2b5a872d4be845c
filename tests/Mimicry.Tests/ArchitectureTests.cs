using ArchUnitNET.Domain;
using ArchUnitNET.Fluent;
using ArchUnitNET.Loader;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Mimicry.Tests;

/// <summary>
/// The layers of Mimicry, bottom to top; a namespace may use its own layer and those below, never one above
/// (README "Layout"). Checked on the compiled assemblies (ArchUnitNET reads the IL: signatures, fields, method bodies).
/// </summary>
public class ArchitectureTests
{
    public static readonly string[][] Layers =
    [
        ["Mimicry.Numerics", "Mimicry.IO", "Mimicry.Rendering", "Mimicry.Configuration", "Mimicry.Runtime"],
        ["Mimicry.Data"],
        ["Mimicry.Envs"],
        ["Mimicry.Nn", "Mimicry.Generative", "Mimicry.Tokenizers"],
        ["Mimicry.Policies"],
        ["Mimicry.Training"],
        ["Mimicry.Evaluation"],
        ["Mimicry.Experiments"],
        ["Mimicry.Serving"],
        ["Mimicry.Cli"],
    ];

    private static readonly Architecture Mimicry = new ArchLoader()
        .LoadAssemblies(typeof(global::Mimicry.Policies.IPolicy).Assembly, typeof(global::Mimicry.Serving.Serve).Assembly, typeof(global::Mimicry.Cli.Program).Assembly).Build();

    /// <summary>Each forbidden edge found: "type → type it uses".</summary>
    public static List<string> Violations(Architecture architecture, string[][] layers)
    {
        var found = new List<string>();
        for (int i = 0; i < layers.Length - 1; i++)
        {
            var above = layers.Skip(i + 1).SelectMany(l => l).ToArray();
            var rule = Types().That().Are(InNamespaces(layers[i])).Should().NotDependOnAny(Types().That().Are(InNamespaces(above))).WithoutRequiringPositiveResults();
            foreach (var result in rule.Evaluate(architecture).Where(r => !r.Passed))
                found.Add(result.Description);
        }
        return found;
    }

    private static IObjectProvider<IType> InNamespaces(string[] namespaces) =>
        namespaces.Skip(1).Aggregate(Types().That().ResideInNamespaceOrBelow(namespaces[0]), (acc, ns) => acc.Or().ResideInNamespaceOrBelow(ns));

    [Fact]
    public void Every_layer_uses_only_its_own_and_lower_ones()
    {
        var violations = Violations(Mimicry, Layers);
        Assert.True(violations.Count == 0, "forbidden dependencies:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Every_namespace_of_the_library_is_in_a_layer()
    {
        var namespaces = typeof(global::Mimicry.Policies.IPolicy).Assembly.GetTypes().Concat(typeof(global::Mimicry.Serving.Serve).Assembly.GetTypes()).Select(t => t.Namespace).Where(n => n != null && n.StartsWith("Mimicry")).Distinct();
        var outside = namespaces.Where(n => !Layers.SelectMany(l => l).Any(l => n == l || n!.StartsWith(l + "."))).ToList();
        Assert.True(outside.Count == 0, "namespaces in no layer: " + string.Join(", ", outside));
    }

    /// <summary>The check itself finds an edge that goes up: two fixture namespaces in this test assembly.</summary>
    [Fact]
    public void The_check_finds_a_lower_layer_using_a_higher_one()
    {
        var tests = new ArchLoader().LoadAssemblies(typeof(ArchitectureTests).Assembly).Build();
        string low = typeof(ArchFixture.Low.UsesHigh).Namespace!, high = typeof(ArchFixture.High.Top).Namespace!;
        var violations = Violations(tests, [[low], [high]]);
        Assert.Single(violations);
        Assert.Contains(nameof(ArchFixture.Low.UsesHigh), violations[0]);
        Assert.Empty(Violations(tests, [[high], [low]]));
    }
}
