using Mimicry.Evaluation;
using Mimicry.Configuration;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Policies;
using Mimicry.Training;

namespace Mimicry.Experiments.Compare;

/// <summary>
/// One trained configuration of the comparison: a registered policy with the settings that make it this arm (none for
/// the policy itself; e.g. the FAST tokenizer, or a side condition for classifier-free guidance), the tasks it runs on and
/// how each of its runs is acted.
/// </summary>
public sealed record CompareArm(string Name, string Policy, string[] Settings, string[] Tasks, IReadOnlyList<ActingVariant> Variants);

/// <summary>The budget a run was sized by: the same training windows for every row, or the same minutes on this machine.</summary>
public static class BudgetAxis
{
    public const string Samples = "equal samples", Minutes = "equal minutes";
}

/// <summary>One training run of the comparison: an arm on a task with one training seed, sized on one budget axis.</summary>
public sealed record CompareEntry(string Arm, string Policy, string Task, int Seed, RunConfig Config, IReadOnlyList<ActingVariant> Variants, string Axis = BudgetAxis.Minutes)
{
    /// <summary>The run's cache key: its whole config (policy, training, seed, data), hashed.</summary>
    public string Hash => Experiments.Arm.HashOf(Config);
    public string RunName => $"{Arm}-{Task}-s{Seed}-{Hash}";
}

/// <summary>
/// What <c>mimicry compare</c> trains: every registered policy (so a new one cannot be left out) on Push-T
/// keypoints (the paper's 90-episode split) and on the fork, with each entry's CPU-sized settings
/// (<see cref="PolicyEntry.CpuSettings"/>), the same steps budget rule and the same seeds, acted as each entry declares
/// (<see cref="PolicyEntry.Variants"/>). More arms: each entry's extra arms (tokens with FAST), and every policy that takes
/// a guidance condition trained with the demonstrator's side as a droppable condition on the fork, sampled
/// unconditionally and guided to either side.
/// </summary>
public static class ComparePlan
{
    public static readonly string[] AllTasks = [Tasks.PushT, Tasks.Fork];

    /// <summary>Guidance scale of the guided fork rows: inside the range where both samplers stay on the data (s = 5 is not, `bench/results/flow/`).</summary>
    public const double GuidanceScale = 2;

    /// <summary>Every arm: one per registered policy (so a new one cannot be left out), then the entries' extra arms, then the guided ones.</summary>
    public static IReadOnlyList<CompareArm> Arms =>
    [
        .. PolicyRegistry.All.Select(PolicyArm),
        .. PolicyRegistry.All.SelectMany(e => e.ExtraArms.Select(x => new CompareArm(x.Id, e.Name, x.Settings, x.Tasks ?? AllTasks, x.Variants))),
        .. PolicyRegistry.All.Where(e => e.Guidance != null).Select(CfgArm),
    ];

    /// <summary>A registered policy's own arm: no extra settings, both tasks, its acting variants.</summary>
    public static CompareArm PolicyArm(PolicyEntry entry) => new(entry.Name, entry.Name, [], AllTasks, entry.Variants);

    /// <summary>Ids of a guided arm's rows: unconditional, asking left, asking right.</summary>
    public static (string Unconditional, string Left, string Right) GuidedIds(PolicyEntry entry) =>
        ($"{entry.Name}-cfg/unconditional", $"{entry.Name}-cfg/left", $"{entry.Name}-cfg/right");

    /// <summary>
    /// Classifier-free guidance (Ho &amp; Salimans 2022) as a mode selector: the side the demonstrator took, dropped for a
    /// learned null with p = 0.1, as <c>mimicry cfg-fork</c>; s = 0 samples the unconditional model, s = 2 asks for one side.
    /// </summary>
    private static CompareArm CfgArm(PolicyEntry entry)
    {
        var (row, sampler) = (entry.Guidance!.Row, entry.Guidance.Sampler);
        var ids = GuidedIds(entry);
        return new($"{entry.Name}-cfg", entry.Name, [$"policy.condition={ForkExpert.SideKey}", "policy.condition_dropout=0.1"], [Tasks.Fork],
        [
            new(ids.Unconditional, $"{row}, unconditional (s = 0)", [.. sampler, "policy.guidance_scale=0"]),
            new(ids.Left, $"{row} asking left (s = {GuidanceScale})", [.. sampler, $"policy.guidance_scale={GuidanceScale}", "policy.condition_value=[-1]"]),
            new(ids.Right, $"{row} asking right (s = {GuidanceScale})", [.. sampler, $"policy.guidance_scale={GuidanceScale}", "policy.condition_value=[1]"]),
        ]);
    }

    /// <param name="steps">Training steps per (arm, task): from the time budget, the samples budget, or the quick run's.</param>
    /// <param name="policies">Only the arms of these policies (null: every one).</param>
    /// <param name="axis">The budget axis the steps come from (<see cref="BudgetAxis"/>), recorded in each entry.</param>
    /// <param name="lastCheckpoints">K of the paper-style selection: K &gt; 1 keeps the last K checkpoints, spaced over the run's final tenth.</param>
    /// <param name="minutes">On the minutes axis, the training minutes per (task): each run fits its steps to its own rate
    /// (<c>train.minutes</c>); null: the steps as given.</param>
    public static IReadOnlyList<CompareEntry> Build(IEnumerable<string> tasks, int seeds, bool quick, Func<string, string, int> steps, IReadOnlyCollection<string>? policies = null,
        string axis = BudgetAxis.Minutes, int lastCheckpoints = 1, Func<string, double>? minutes = null)
    {
        var entries = new List<CompareEntry>();
        foreach (var task in tasks)
            foreach (var arm in Arms.Where(a => a.Tasks.Contains(task) && (policies == null || policies.Contains(a.Policy))))
                for (int seed = 0; seed < seeds; seed++)
                {
                    var config = Config(arm, task, seed, quick, steps(arm.Name, task), lastCheckpoints);
                    if (minutes != null) config = config with { Train = config.Train with { Minutes = minutes(task) } };
                    new Arm(arm.Name, config, arm.Variants).Checked();
                    entries.Add(new CompareEntry(arm.Name, arm.Policy, task, seed, config, arm.Variants, axis));
                }
        return entries;
    }

    /// <summary>Steps that make <paramref name="samples"/> training windows at the arm's batch on the task (at least 50).</summary>
    public static int StepsForSamples(string arm, string task, long samples) => (int)Math.Max(50, Math.Ceiling(samples / (double)BatchSize(arm, task)));

    /// <summary>The batch an arm trains with on a task (its entry's settings, the task's), for the equal-samples budget.</summary>
    public static int BatchSize(string arm, string task) => Config(Arms.First(a => a.Name == arm), task, 0, quick: false, steps: 1000).Train.BatchSize;

    public static RunConfig Config(PolicyEntry entry, string task, int seed, bool quick, int steps) =>
        Config(PolicyArm(entry), task, seed, quick, steps);

    /// <summary>How far apart the last K checkpoints are: K of them span the run's final tenth (DP's last 10 of 100 epochs' spacing),
    /// the final step the last.</summary>
    public static int CheckpointSpacing(int steps, int lastCheckpoints) => lastCheckpoints <= 1 ? steps : Math.Max(1, steps / (10 * lastCheckpoints));

    public static RunConfig Config(CompareArm arm, string task, int seed, bool quick, int steps, int lastCheckpoints = 1)
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
        if (!quick) overrides.AddRange(entry.CpuSettings);
        overrides.AddRange(arm.Settings);
        if (task == Tasks.PushT) overrides.AddRange(["train.split=dp_pusht", "train.max_train_episodes=90"]);
        if (task == Tasks.Fork) overrides.AddRange(entry.ForkSettings);
        // The fork's 2-D actions need steps more than samples per step: batch 64 for every arm (4× the steps of DP's 256
        // in the same minute; at 256 and one minute diffusion made 322 steps and reached the goal in 12-70 % of episodes).
        if (task == Tasks.Fork) overrides.Add("train.batch_size=64");
        overrides.AddRange([$"train.steps={steps}", $"train.seed={seed}", "train.eval_every=0", $"train.checkpoint_every={CheckpointSpacing(steps, lastCheckpoints)}", "train.val_fraction=0.02",
            $"train.warmup_steps={Math.Min(steps / 10, Math.Max(0, config.Train.WarmupSteps))}", "train.threads=0"]);
        if (lastCheckpoints > 1) overrides.Add($"train.keep_checkpoints={lastCheckpoints}");
        var result = ConfigJson.WithOverrides(config, overrides);
        result.Validate();
        return result;
    }
}
