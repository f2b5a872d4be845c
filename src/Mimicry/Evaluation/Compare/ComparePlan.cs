using System.Security.Cryptography;
using System.Text;
using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.Policies;
using Mimicry.Training;

namespace Mimicry.Evaluation.Compare;

/// <summary>How a trained policy is evaluated in the comparison: a row name and its acting overrides.</summary>
public sealed record CompareVariant(string Row, string[] Acting);

/// <summary>One training run of the comparison: a registered policy on a task with one training seed.</summary>
public sealed record CompareEntry(string Policy, string Task, int Seed, RunConfig Config, IReadOnlyList<CompareVariant> Variants)
{
    /// <summary>The run's cache key: its whole config (policy, training, seed, data), hashed.</summary>
    public string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ConfigJson.Serialize(Config))))[..10].ToLowerInvariant();
    public string RunName => $"{Policy}-{Task}-s{Seed}-{Hash}";
}

/// <summary>
/// What <c>mimicry compare</c> trains: every registered policy (so a new one cannot be left out) on Push-T
/// keypoints (the paper's 90-episode split) and on the fork, with the CPU-sized settings below, the same steps
/// budget rule and the same seeds. A policy missing from <see cref="CpuSettings"/> runs with its registry
/// defaults. Acting variants: diffusion with DDPM-100 and DDIM-10, flow with 10 Euler steps, ACT with and without
/// temporal ensembling, tokens greedy, the Decision Transformer asked for the best return.
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

    /// <param name="steps">Training steps per (policy, task): from the time budget, or the quick run's.</param>
    public static IReadOnlyList<CompareEntry> Build(IEnumerable<string> tasks, int seeds, bool quick, Func<string, string, int> steps)
    {
        var entries = new List<CompareEntry>();
        foreach (var task in tasks)
            foreach (var entry in PolicyRegistry.All)
                for (int seed = 0; seed < seeds; seed++)
                    entries.Add(new CompareEntry(entry.Name, task, seed, Config(entry, task, seed, quick, steps(entry.Name, task)), Variants(entry.Name)));
        return entries;
    }

    public static RunConfig Config(PolicyEntry entry, string task, int seed, bool quick, int steps)
    {
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
        if (task == Tasks.PushT) overrides.AddRange(["train.split=dp_pusht", "train.max_train_episodes=90"]);
        if (task == Tasks.Fork && entry.Name == "dt") overrides.Add("policy.max_episode_length=64");
        if (task == Tasks.Fork && entry.Name == "act") overrides.Add("policy.robot_state_dim=2");
        overrides.AddRange([$"train.steps={steps}", $"train.seed={seed}", "train.eval_every=0", $"train.checkpoint_every={steps}", "train.val_fraction=0.02",
            $"train.warmup_steps={Math.Min(steps / 10, Math.Max(0, config.Train.WarmupSteps))}", "train.threads=0"]);
        var result = ConfigJson.WithOverrides(config, overrides);
        result.Validate();
        return result;
    }
}
