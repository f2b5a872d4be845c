using Mimicry.Policies.Bc;
using Mimicry.Policies.Diffusion;
using static TorchSharp.torch;
using Mimicry.Configuration;

namespace Mimicry.Policies;

/// <summary>
/// One registered policy type: everything generic (JSON, checkpoints, CLI verbs, contract tests) is
/// derived from this entry.
/// </summary>
/// <param name="Name">The CLI verb and the JSON <c>type</c> ("diffusion").</param>
/// <param name="Description">One line for the CLI help.</param>
/// <param name="ConfigType">The config record.</param>
/// <param name="Defaults">The published defaults.</param>
/// <param name="Create">Config, normalizers, device → the policy.</param>
/// <param name="TrainDefaults">The method's optimization settings (its paper's, or LeRobot's).</param>
/// <param name="Tiny">A config small enough for tests to train in seconds on Push-T keypoints.</param>
/// <param name="Sweep">The fair-baseline sweep (<c>mimicry sweep NAME</c>): named sets of <c>--set</c> overrides, published or sensible settings.</param>
/// <param name="Shorthands">Options <c>mimicry train NAME</c> offers for its policy's main choices (e.g. <c>--tokenizer fast</c> for <c>--set policy.tokenizer=fast</c>).</param>
public sealed record PolicyEntry(string Name, string Description, Type ConfigType, Func<PolicyConfig> Defaults,
    Func<PolicyConfig, PolicyNormalizers, Device, IPolicy> Create, Func<TrainConfig> TrainDefaults, Func<PolicyConfig> Tiny,
    IReadOnlyList<(string Name, string[] Overrides)> Sweep, IReadOnlyList<(string Option, string Key, string Description)>? Shorthands = null)
{
    public static PolicyEntry Of<TConfig>(string name, string description, Func<TConfig, PolicyNormalizers, Device, IPolicy> create,
        Func<TConfig> tiny, Func<TrainConfig>? train = null, IReadOnlyList<(string, string[])>? sweep = null,
        IReadOnlyList<(string, string, string)>? shorthands = null) where TConfig : PolicyConfig, new() =>
        new(name, description, typeof(TConfig), () => new TConfig(), (c, n, d) => create((TConfig)c, n, d), train ?? (() => new TrainConfig()), tiny, sweep ?? [], shorthands);

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
        string Label(string v) => name + new string(v.Select(c => char.IsLetterOrDigit(c) || c == '.' || c == '-' ? c : '-').ToArray()).Trim('-');
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

    /// <summary>The fields of this policy's config that may change at evaluation (snake_case).</summary>
    public IReadOnlyList<string> ActingFields => ActingAttribute.FieldsOf(ConfigType);
}

/// <summary>The one place a policy is listed. Adding a policy is its folder plus one line here.</summary>
public static class PolicyRegistry
{
    public static readonly IReadOnlyList<PolicyEntry> All =
    [
        PolicyEntry.Of<DiffusionConfig>("diffusion", "Diffusion Policy (1-D conditional U-Net, DDPM/DDIM)",
            (c, n, d) => new DiffusionPolicy(c, n, d), tiny: () => new DiffusionConfig { DownDims = [16, 32], DiffusionStepEmbedDim = 32 }),
        PolicyEntry.Of<Flow.FlowConfig>("flow", "Flow matching on the Diffusion Policy U-Net (π0's objective, Euler sampling)",
            (c, n, d) => new Flow.FlowPolicy(c, n, d), tiny: () => new Flow.FlowConfig { DownDims = [16, 32], DiffusionStepEmbedDim = 32 }),
        PolicyEntry.Of<Act.ActConfig>("act", "ACT: CVAE transformer over action chunks (L1 + KL), temporal ensembling as an option",
            (c, n, d) => new Act.ActPolicy(c, n, d),
            tiny: () => new Act.ActConfig { DimModel = 32, NHeads = 4, DimFeedforward = 64, NEncoderLayers = 1, NVaeEncoderLayers = 1, Horizon = 8, NActionSteps = 8, LatentDim = 4 },
            // LeRobot's ACT optimization (configuration_act.py get_optimizer_preset, configs/train.py): AdamW 1e-5, weight decay 1e-4,
            // no schedule, clip 10, batch 8, no EMA.
            train: () => new TrainConfig { Lr = 1e-5, WeightDecay = 1e-4, Beta1 = 0.9, WarmupSteps = 0, LrScheduler = LrSchedulerKind.Constant, GradClipNorm = 10, BatchSize = 8, UseEma = false },
            // ACT's known weakness, the KL term: β = 0 is a plain chunking transformer (no CVAE), 10 ACT's.
            sweep: PolicyEntry.Grid([("kl0", ["policy.use_vae=false", "policy.kl_weight=0"]), ("kl1", ["policy.kl_weight=1"]), ("kl10", ["policy.kl_weight=10"]), ("kl100", ["policy.kl_weight=100"])])),
        PolicyEntry.Of<DecisionTransformer.DecisionTransformerConfig>("dt", "Decision Transformer: a causal GPT over (return, state, action) tokens, acting toward a target return",
            (c, n, d) => new DecisionTransformer.DecisionTransformerPolicy(c, n, d),
            tiny: () => new DecisionTransformer.DecisionTransformerConfig { EmbedDim = 32, NLayer = 1, NHead = 2, NObsSteps = 4, Horizon = 4, MaxEpisodeLength = 300 },
            // kzl/decision-transformer gym/experiment.py: AdamW 1e-4, weight decay 1e-4, linear warm-up over 10,000 steps then constant,
            // clip 0.25, batch 64, no EMA.
            train: () => new TrainConfig { Lr = 1e-4, WeightDecay = 1e-4, Beta1 = 0.9, WarmupSteps = 10_000, LrScheduler = LrSchedulerKind.Constant, GradClipNorm = 0.25, BatchSize = 64, UseEma = false }),
        PolicyEntry.Of<Tokens.ActionTokensConfig>("tokens", "Actions as tokens (uniform bins, quantile bins or FAST) predicted by an autoregressive transformer with cross-entropy",
            (c, n, d) => new Tokens.ActionTokensPolicy(c, n, d),
            tiny: () => new Tokens.ActionTokensConfig { EmbedDim = 64, NLayer = 1, NHead = 2, Bins = 8, FastVocab = 256, FastFitChunks = 200 },
            // nanoGPT's AdamW (betas 0.9 / 0.95, weight decay 0.1 on matrices only, clip 1.0, warm-up then cosine) at a small model's lr.
            train: () => new TrainConfig { Lr = 3e-4, WeightDecay = 0.1, Beta1 = 0.9, Beta2 = 0.95, WarmupSteps = 500, LrScheduler = LrSchedulerKind.Cosine, GradClipNorm = 1.0, BatchSize = 256, UseEma = false },
            sweep: PolicyEntry.Grid([("bins256", ["policy.tokenizer=bins", "policy.bins=256"]), ("quantile256", ["policy.tokenizer=quantile", "policy.bins=256"]), ("fast", ["policy.tokenizer=fast"])]),
            shorthands: [("--tokenizer", "policy.tokenizer", "how actions become tokens: bins (uniform, RT-2/OpenVLA), quantile or fast"), ("--bins", "policy.bins", "bins per dimension (bins, quantile)")]),
        PolicyEntry.Of<BcConfig>("bc", "Behaviour cloning (MLP regression of the action chunk, MSE)",
            (c, n, d) => new BcPolicy(c, n, d), tiny: () => new BcConfig { HiddenDims = [64, 64], Dropout = 0.1 },
            sweep: PolicyEntry.Grid(
                [("w256x3", ["policy.hidden_dims=[256,256,256]"]), ("w1024x3", ["policy.hidden_dims=[1024,1024,1024]"])],
                [("lr1e-4", ["train.lr=1e-4"]), ("lr1e-3", ["train.lr=1e-3"])],
                [("H16Ta8", ["policy.horizon=16", "policy.n_action_steps=8"]), ("H2Ta1", ["policy.horizon=2", "policy.n_action_steps=1"])])),
    ];

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
