using Mimicry.Evaluation;
using System.Security.Cryptography;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Policies;
using Mimicry.Training;

namespace Mimicry.Experiments.Compare;

/// <summary>How a trained policy is evaluated in the comparison: a row name and its acting overrides.</summary>
public sealed record CompareVariant(string Row, string[] Acting);

/// <summary>
/// One trained configuration of the comparison: a registered policy with the settings that make it this arm (none for
/// the policy itself; e.g. the FAST tokenizer, or a side condition for classifier-free guidance), the tasks it runs on and
/// how each of its runs is evaluated.
/// </summary>
public sealed record CompareArm(string Name, string Policy, string[] Settings, string[] Tasks, IReadOnlyList<CompareVariant> Variants);

/// <summary>One training run of the comparison: an arm on a task with one training seed.</summary>
public sealed record CompareEntry(string Arm, string Policy, string Task, int Seed, RunConfig Config, IReadOnlyList<CompareVariant> Variants)
{
    /// <summary>The run's cache key: its whole config (policy, training, seed, data), hashed.</summary>
    public string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ConfigJson.Serialize(Config))))[..10].ToLowerInvariant();
    public string RunName => $"{Arm}-{Task}-s{Seed}-{Hash}";
}

/// <summary>
/// What <c>mimicry compare</c> trains: every registered policy (so a new one cannot be left out) on Push-T
/// keypoints (the paper's 90-episode split) and on the fork, with the CPU-sized settings below, the same steps
/// budget rule and the same seeds. A policy missing from <see cref="CpuSettings"/> runs with its registry
/// defaults. Acting variants: diffusion with DDPM-100 and DDIM-10, flow with 10 Euler steps, ACT with and without
/// temporal ensembling, tokens greedy, the Decision Transformer asked for the best return. Two more kinds of arm
/// (<see cref="ExtraArms"/>): tokens with FAST instead of bins on both tasks, and diffusion and flow trained with the
/// demonstrator's side as a droppable condition on the fork, sampled unconditionally and guided to either side.
/// </summary>
public static class ComparePlan
{
    public static readonly string[] AllTasks = [Tasks.PushT, Tasks.Fork];

    /// <summary>CPU-sized architecture per policy (same scale: about 1-5 M parameters), each a published or sensible setting.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> CpuSettings = new Dictionary<string, string[]>
    {
        // dp-pusht-lowdim-cpu-lr1e-3: on a short budget lr 1e-3 beats DP's 1e-4 (0.917 against 0.588 on the protocol);
        // flow gets the same optimizer.
        ["diffusion"] = ["policy.down_dims=[32,64,128]", "train.lr=1e-3"],
        ["flow"] = ["policy.down_dims=[32,64,128]", "train.lr=1e-3"], // flow-pusht-lowdim-cpu-lr1e-3
        ["bc"] = ["policy.hidden_dims=[1024,1024,1024]", "train.lr=1e-3"], // the protocol's best BC sweep row
        ["act"] = ["policy.dim_model=128", "policy.dim_feedforward=512", "policy.n_heads=8", "policy.horizon=16", "policy.n_action_steps=8",
                   "train.batch_size=64", "train.lr=1e-4"],       // act-pusht-cpu: LeRobot's ACT at chunk 16, width 128 (1.9M parameters)
        ["dt"] = ["policy.max_episode_length=300", "train.lr=1e-3"], // DT's gym configuration (K 20, width 128, 3 layers); lr 1e-3 for a short run, as bench/results/return-conditioning/
        // RT-2 / OpenVLA's 256 bins on the CPU-sized transformer of bench/results/tokens/pusht/ (width 128, 2 layers, batch 128,
        // lr 1e-3): 3.7 steps/s on one thread against about 1 for the 4-layer, batch-256 default, and the token policy needs steps.
        ["tokens"] = ["policy.tokenizer=bins", "policy.bins=256", "policy.n_layer=2", "train.batch_size=128", "train.lr=1e-3"],
    };

    public static IReadOnlyList<CompareVariant> Variants(string policy) => policy switch
    {
        "diffusion" => [new("diffusion DDPM-100", ["policy.sampler=ddpm", "policy.num_inference_steps=100"]), new("diffusion DDIM-10", ["policy.sampler=ddim", "policy.num_inference_steps=10"])],
        "flow" => [new("flow Euler-10", ["policy.sampler=euler", "policy.num_inference_steps=10"])],
        "act" => [new("act", ["policy.execution=receding_horizon"]), new("act + temporal ensembling", ["policy.execution=temporal_ensemble"])],
        "tokens" => [new("tokens (bins, greedy)", ["policy.temperature=0"])],
        "dt" => [new("decision transformer (R = 1)", ["policy.target_return=1"])],
        _ => [new(policy, [])],
    };

    /// <summary>Guidance scale of the guided fork rows: inside the range where both samplers stay on the data (s = 5 is not, `bench/results/flow/`).</summary>
    public const double GuidanceScale = 2;

    /// <summary>Arms beyond one per registered policy.</summary>
    public static IReadOnlyList<CompareArm> ExtraArms =>
    [
        // FAST (Pertsch et al. 2025): DCT per action dimension, scale 10, BPE to 1024 tokens; the same transformer as the bins arm.
        new("tokens-fast", "tokens", ["policy.tokenizer=fast"], AllTasks, [new("tokens (FAST, greedy)", ["policy.temperature=0"])]),
        // Classifier-free guidance (Ho & Salimans 2022) as a mode selector: the side the demonstrator took, dropped for a
        // learned null with p = 0.1, as `mimicry cfg-fork`; s = 0 samples the unconditional model, s = 2 asks for one side.
        CfgArm("diffusion", "diffusion + CFG", ["policy.sampler=ddpm", "policy.num_inference_steps=100"]),
        CfgArm("flow", "flow + CFG", ["policy.sampler=euler", "policy.num_inference_steps=10"]),
    ];

    private static CompareArm CfgArm(string policy, string row, string[] sampler) =>
        new($"{policy}-cfg", policy, [$"policy.condition={ForkExpert.SideKey}", "policy.condition_dropout=0.1"], [Tasks.Fork],
        [
            new($"{row}, unconditional (s = 0)", [.. sampler, "policy.guidance_scale=0"]),
            new($"{row} asking left (s = {GuidanceScale})", [.. sampler, $"policy.guidance_scale={GuidanceScale}", "policy.condition_value=[-1]"]),
            new($"{row} asking right (s = {GuidanceScale})", [.. sampler, $"policy.guidance_scale={GuidanceScale}", "policy.condition_value=[1]"]),
        ]);

    /// <summary>Every arm: one per registered policy (so a new one cannot be left out), then <see cref="ExtraArms"/>.</summary>
    public static IReadOnlyList<CompareArm> Arms => [.. PolicyRegistry.All.Select(PolicyArm), .. ExtraArms];

    /// <summary>A registered policy's own arm: no extra settings, both tasks, its acting variants.</summary>
    public static CompareArm PolicyArm(PolicyEntry entry) => new(entry.Name, entry.Name, [], AllTasks, Variants(entry.Name));

    /// <param name="steps">Training steps per (arm, task): from the time budget, or the quick run's.</param>
    public static IReadOnlyList<CompareEntry> Build(IEnumerable<string> tasks, int seeds, bool quick, Func<string, string, int> steps)
    {
        var entries = new List<CompareEntry>();
        foreach (var task in tasks)
            foreach (var arm in Arms.Where(a => a.Tasks.Contains(task)))
                for (int seed = 0; seed < seeds; seed++)
                    entries.Add(new CompareEntry(arm.Name, arm.Policy, task, seed, Config(arm, task, seed, quick, steps(arm.Name, task)), arm.Variants));
        return entries;
    }

    public static RunConfig Config(PolicyEntry entry, string task, int seed, bool quick, int steps) =>
        Config(PolicyArm(entry), task, seed, quick, steps);

    public static RunConfig Config(CompareArm arm, string task, int seed, bool quick, int steps)
    {
        var entry = PolicyRegistry.Get(arm.Policy);
        var taskEntry = Tasks.Get(task);
        var config = new RunConfig
        {
            Task = task,
            Dataset = task == Tasks.PushT ? "bundled" : "generated:fork-200",
            Policy = quick ? entry.Tiny() : entry.Defaults(),
            Train = entry.TrainDefaults(),
        };
        var overrides = new List<string> { $"policy.observation_key={taskEntry.ObservationKey}" };
        if (!quick && CpuSettings.TryGetValue(entry.Name, out var cpu)) overrides.AddRange(cpu);
        overrides.AddRange(arm.Settings);
        if (task == Tasks.PushT) overrides.AddRange(["train.split=dp_pusht", "train.max_train_episodes=90"]);
        if (task == Tasks.Fork && entry.Name == "dt") overrides.Add("policy.max_episode_length=64");
        if (task == Tasks.Fork && entry.Name == "act") overrides.Add("policy.robot_state_dim=2");
        // The fork's 2-D actions need steps more than samples per step: batch 64 for every arm (4× the steps of DP's 256
        // in the same minute; at 256 and one minute diffusion made 322 steps and reached the goal in 12-70 % of episodes).
        if (task == Tasks.Fork) overrides.Add("train.batch_size=64");
        overrides.AddRange([$"train.steps={steps}", $"train.seed={seed}", "train.eval_every=0", $"train.checkpoint_every={steps}", "train.val_fraction=0.02",
            $"train.warmup_steps={Math.Min(steps / 10, Math.Max(0, config.Train.WarmupSteps))}", "train.threads=0"]);
        var result = ConfigJson.WithOverrides(config, overrides);
        result.Validate();
        return result;
    }
}
