using Mimicry.Configuration;
using static TorchSharp.torch;

namespace Mimicry.Policies;

/// <summary>
/// One way of acting a trained policy in an experiment: <paramref name="Id"/> is what claims and caches key on (stable;
/// declared by the policy's entry), <paramref name="Row"/> the label reports print, <paramref name="Acting"/> the acting
/// overrides (<c>--set</c> keys of <see cref="ActingAttribute"/> fields).
/// </summary>
public sealed record ActingVariant(string Id, string Row, string[] Acting);

/// <summary>A further trained configuration of a policy for the comparison (e.g. the FAST tokenizer): its arm id,
/// the settings that make it, and how it is acted. <paramref name="Tasks"/>: null for every task of the comparison.</summary>
public sealed record ExtraArm(string Id, string[] Settings, IReadOnlyList<ActingVariant> Variants, string[]? Tasks = null);

/// <summary>
/// What a policy brings to the fork experiment (<c>mimicry multimodal</c>): its config on the fork (2-D state, 2-D
/// actions), how it changes the shared training settings (a transformer's learning rate, no EMA), and its acting variants.
/// </summary>
public sealed record ForkArm(Func<PolicyConfig> Config, Func<TrainConfig, TrainConfig> Train, IReadOnlyList<ActingVariant> Variants);

/// <summary>
/// A policy that can be trained with a droppable side condition and guided (classifier-free guidance, the shared
/// <c>policy.condition*</c> and <c>policy.guidance_*</c> fields of <see cref="Common.UnetPolicyConfig"/>): the label of its
/// guided rows and the sampler they use.
/// </summary>
public sealed record GuidanceSupport(string Row, string[] Sampler);

/// <summary>One sampler setting of a steps ablation: its acting overrides and the network passes they cost per chunk.</summary>
public sealed record SamplerSetting(string Sampler, string Spacing, int Steps, int NetworkPasses, string[] Acting);

/// <summary>
/// A return-conditioned policy (<c>mimicry stitching</c>): its label, a small config for a task of episodes of at most
/// the given length, and the acting overrides that ask for a return.
/// </summary>
public sealed record ReturnConditioning(string Label, Func<int, PolicyConfig> Config, Func<double, string[]> AskFor);

/// <summary>
/// One registered policy type: everything generic (JSON, checkpoints, CLI verbs, contract tests) and everything the
/// experiments need from it (compare, sweep, multimodal, guidance, ablations, stitching) is derived from this entry,
/// which lives in the policy's own folder. Nothing outside that folder names the policy or its config type.
/// </summary>
public sealed record PolicyEntry
{
    /// <summary>The CLI verb and the JSON <c>type</c> ("diffusion").</summary>
    public required string Name { get; init; }
    /// <summary>One line for the CLI help.</summary>
    public required string Description { get; init; }
    /// <summary>The config record.</summary>
    public required Type ConfigType { get; init; }
    /// <summary>The published defaults.</summary>
    public required Func<PolicyConfig> Defaults { get; init; }
    /// <summary>Config, normalizers, device → the policy.</summary>
    public required Func<PolicyConfig, PolicyNormalizers, Device, IPolicy> Create { get; init; }
    /// <summary>A config small enough for tests (and quick comparisons) to train in seconds on Push-T keypoints.</summary>
    public required Func<PolicyConfig> Tiny { get; init; }
    /// <summary>The method's optimization settings (its paper's, or LeRobot's).</summary>
    public Func<TrainConfig> TrainDefaults { get; init; } = () => new TrainConfig();
    /// <summary>The fair-baseline sweep (<c>mimicry sweep NAME</c>): named sets of <c>--set</c> overrides, published or sensible settings.</summary>
    public IReadOnlyList<(string Name, string[] Overrides)> Sweep { get; init; } = [];
    /// <summary>Options <c>mimicry train NAME</c> offers for its main choices (e.g. <c>--tokenizer fast</c> for <c>--set policy.tokenizer=fast</c>).</summary>
    public IReadOnlyList<(string Option, string Key, string Description)> Shorthands { get; init; } = [];

    /// <summary>A CPU-sized architecture for the comparison (about 1-5 M parameters; a published or sensible setting).</summary>
    public string[] CpuSettings { get; init; } = [];
    /// <summary>How the comparison acts this policy; null: one row, named as the policy, with the config's own acting settings.</summary>
    public IReadOnlyList<ActingVariant>? CompareVariants { get; init; }
    /// <summary>Further trained configurations for the comparison.</summary>
    public IReadOnlyList<ExtraArm> ExtraArms { get; init; } = [];
    /// <summary>Settings the fork task needs (its 2-D state, its 64-step episodes).</summary>
    public string[] ForkSettings { get; init; } = [];
    /// <summary>The multimodal experiment's arm; null: the tiny config on the fork's state, acted as in the comparison.</summary>
    public ForkArm? Fork { get; init; }
    /// <summary>Classifier-free guidance, when the policy takes a droppable condition.</summary>
    public GuidanceSupport? Guidance { get; init; }
    /// <summary>Sampler settings at each number of steps (<c>mimicry ablate steps</c>); null: nothing to ablate.</summary>
    public Func<PolicyConfig, IReadOnlyList<int>, IReadOnlyList<SamplerSetting>>? SamplerGrid { get; init; }
    /// <summary>Return conditioning, when the policy acts toward a requested return.</summary>
    public ReturnConditioning? ReturnConditioning { get; init; }
    /// <summary>The simple baseline others are compared against (behaviour cloning).</summary>
    public bool Baseline { get; init; }
    /// <summary>The paradigm's usual claims, each checked against the comparison's rows.</summary>
    public IReadOnlyList<PolicyClaim> Claims { get; init; } = [];

    /// <summary>The comparison's acting variants (<see cref="CompareVariants"/>, or one plain row).</summary>
    public IReadOnlyList<ActingVariant> Variants => CompareVariants ?? [new(Name, Name, [])];

    /// <summary>The fork arm (<see cref="Fork"/>, or the tiny config reading the fork's state with <see cref="ForkSettings"/>).</summary>
    public ForkArm ForkArmOrDefault(string observationKey) => Fork ?? new ForkArm(
        () => ConfigJson.WithOverrides(Tiny() with { ObservationKey = observationKey }, ForkSettings),
        t => t, Variants);

    /// <summary>The fields of this policy's config that may change at evaluation (snake_case).</summary>
    public IReadOnlyList<string> ActingFields => ActingAttribute.FieldsOf(ConfigType);

    /// <summary>An entry for <typeparamref name="TConfig"/>, its published defaults being <c>new TConfig()</c>.</summary>
    public static PolicyEntry For<TConfig>(string name, string description, Func<TConfig, PolicyNormalizers, Device, IPolicy> create, Func<TConfig> tiny)
        where TConfig : PolicyConfig, new() => new()
    {
        Name = name, Description = description, ConfigType = typeof(TConfig), Defaults = () => new TConfig(),
        Create = (c, n, d) => create((TConfig)c, n, d), Tiny = tiny,
    };

    /// <summary>The full grid over several axes, each a list of (label, overrides).</summary>
    public static IReadOnlyList<(string, string[])> Grid(params (string Label, string[] Overrides)[][] axes) =>
        axes.Aggregate((IEnumerable<(string Label, string[] Overrides)>)[("", [])], (acc, axis) =>
            acc.SelectMany(a => axis.Select(b => (a.Label.Length == 0 ? b.Label : $"{a.Label}_{b.Label}", (string[])[.. a.Overrides, .. b.Overrides]))))
        .Select(x => (x.Label, x.Overrides)).ToList();

    /// <summary>
    /// One sweep axis from <c>KEY=V1,V2,...</c> (<c>mimicry sweep --vary</c>): a row per value, labelled with the key's
    /// last segment and the value (<c>policy.bins=8,16</c> gives <c>bins8</c>, <c>bins16</c>). Commas inside brackets
    /// belong to a value: <c>policy.down_dims=[32,64],[64,128]</c> has two.
    /// </summary>
    public static (string Label, string[] Overrides)[] Axis(string spec)
    {
        int eq = spec.IndexOf('=');
        if (eq <= 0 || eq == spec.Length - 1) throw new ArgumentException($"--vary '{spec}': expected KEY=V1,V2,... (e.g. policy.bins=8,16,32)");
        string key = spec[..eq].Trim(), name = key[(key.LastIndexOf('.') + 1)..];
        var values = SplitValues(spec[(eq + 1)..], $"--vary '{spec}'");
        // Brackets and commas become '-', trimmed at the ends; a value's own sign stays ("coeff-0.5" and "coeff0.5" differ).
        string Label(string v)
        {
            string body = new string(v.Select(c => char.IsLetterOrDigit(c) || c == '.' || c == '-' ? c : '-').ToArray()).Trim('-');
            return name + (v.StartsWith('-') ? "-" + body : body);
        }
        return values.Select(v => (Label(v), new[] { $"{key}={v}" })).ToArray();
    }

    /// <summary>Comma-separated values, where commas inside brackets belong to a value (<c>[32,64],[64,128]</c> is two); none empty or repeated.</summary>
    public static IReadOnlyList<string> SplitValues(string list, string what)
    {
        var values = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i <= list.Length; i++)
        {
            if (i == list.Length || (list[i] == ',' && depth == 0)) { values.Add(list[start..i].Trim()); start = i + 1; }
            else if (list[i] == '[') depth++;
            else if (list[i] == ']') depth--;
        }
        if (depth != 0 || values.Any(v => v.Length == 0)) throw new ArgumentException($"{what}: an empty value or unbalanced brackets");
        if (values.Distinct().Count() != values.Count) throw new ArgumentException($"{what}: a value is repeated");
        return values;
    }
}
