using Mimicry.Configuration;
using static TorchSharp.torch;

namespace Mimicry.Policies;

/// <summary>
/// The one place a policy is listed. Adding a policy is its folder (config, network, loss, actor and its
/// <see cref="PolicyEntry"/>) plus one line here; a policy defined outside this assembly (a test's, a user's) is one
/// <see cref="Register"/> call.
/// </summary>
public static class PolicyRegistry
{
    private static readonly PolicyEntry[] BuiltIn =
    [
        Diffusion.DiffusionEntry.Entry,
        Flow.FlowEntry.Entry,
        Act.ActEntry.Entry,
        DecisionTransformer.DecisionTransformerEntry.Entry,
        Tokens.TokensEntry.Entry,
        Bet.BetEntry.Entry,
        Bc.BcEntry.Entry,
    ];

    private static readonly List<PolicyEntry> Registered = [];

    /// <summary>Every policy: the built-in ones, then those registered, in order.</summary>
    public static IReadOnlyList<PolicyEntry> All
    {
        get { lock (Registered) return [.. BuiltIn, .. Registered]; }
    }

    /// <summary>
    /// Adds a policy defined outside this assembly; from then on configs, the CLI's verbs (of commands built after this
    /// call) and every experiment know it. Disposing the result removes it again.
    /// </summary>
    public static IDisposable Register(PolicyEntry entry)
    {
        lock (Registered)
        {
            if (BuiltIn.Concat(Registered).FirstOrDefault(e => e.Name == entry.Name || e.ConfigType == entry.ConfigType) is { } known)
                throw new ArgumentException($"policy '{entry.Name}' ({entry.ConfigType.Name}) clashes with the registered '{known.Name}' ({known.ConfigType.Name})");
            Registered.Add(entry);
        }
        ConfigJson.TypesChanged();
        return new Registration(entry);
    }

    private sealed class Registration(PolicyEntry entry) : IDisposable
    {
        public void Dispose()
        {
            lock (Registered) if (!Registered.Remove(entry)) return;
            ConfigJson.TypesChanged();
        }
    }

    public static IEnumerable<string> Names => All.Select(e => e.Name);

    public static PolicyEntry Get(string name) => All.FirstOrDefault(e => e.Name == name)
        ?? throw new ArgumentException($"unknown policy '{name}' (known: {string.Join(", ", Names)})");

    public static PolicyEntry Of(Type configType) => All.FirstOrDefault(e => e.ConfigType == configType)
        ?? throw new NotSupportedException($"policy config {configType.Name} is not registered in {nameof(PolicyRegistry)}");

    /// <summary>Builds the policy a config describes, with its dimensions taken from the normalizers.</summary>
    public static IPolicy Create(PolicyConfig config, PolicyNormalizers normalizers, Device? device = null) =>
        Of(config.GetType()).Create(config, normalizers, device ?? CPU);

    /// <summary><see cref="PolicyConfig"/> sections of configs are polymorphic over the registered types, the registered name as their "type".</summary>
    /// <remarks>A module initializer, so every config read anywhere knows the policy types; the JSON layer below knows no policy.</remarks>
#pragma warning disable CA2255 // a library registering its own types with its own JSON layer, before any use
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterJson() =>
        ConfigJson.AddPolymorphicType(typeof(PolicyConfig), "policy", () => All.Select(e => (e.ConfigType, e.Name)));
}
