using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Envs.PushT;
using Mimicry.Evaluation;
using Mimicry.Policies.Acting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Evaluation;

/// <summary>The evaluator driven by a scripted actor that records what it is given.</summary>
public class EvaluatorTests
{
    /// <summary>
    /// Slot s acts by <c>choose(slot, observation)</c>, but "plans" in chunks of <c>chunkLength(s)</c> steps:
    /// it reports a network call (LastInferred) only when a new chunk starts.
    /// </summary>
    private sealed class ScriptedActor(int slots, string key, Func<int, float[], double[]> choose, Func<int, int> chunkLength) : IActor
    {
        public int Slots => slots;
        public int LastInferred { get; private set; }
        public readonly List<string> Calls = new();                       // "reset 3", "act 0,1,2"
        public readonly Dictionary<int, List<float>> Rewards = new();     // per slot, the reward given at each act
        public readonly Dictionary<int, List<float[]>> Observations = new();
        private readonly int[] _step = new int[slots];

        public void Reset(int slot)
        {
            Calls.Add($"reset {slot}");
            _step[slot] = 0;
            Rewards[slot] = new();
            Observations[slot] = new();
        }

        public Tensor Act(ReadOnlySpan<int> ids, StepInput input)
        {
            Calls.Add("act " + string.Join(",", ids.ToArray()));
            var obs = input.Observation[key];
            var rewards = input.Reward!.data<float>().ToArray();
            var actions = new List<float>();
            LastInferred = 0;
            for (int j = 0; j < ids.Length; j++)
            {
                int s = ids[j];
                var o = obs[j].data<float>().ToArray();
                Observations[s].Add(o);
                Rewards[s].Add(rewards[j]);
                if (_step[s]++ % chunkLength(s) == 0) LastInferred++;
                actions.AddRange(choose(s, o).Select(v => (float)v));
            }
            return torch.tensor(actions.ToArray()).reshape(ids.Length, -1);
        }

        public void Dispose() { }
    }

    /// <summary>
    /// Actions worked by hand on the fork (bounds ±1.2): slot 0 walks x = 0, 0.3, 0.6, ... (change 0.3 per step), slot 1
    /// alternates (0, 0) and (0.6, 0.8) (change 1.0) and at step 4 asks for x = 2.0 (out of bounds, change |(2, 0) − (0, 0)| = 2).
    /// </summary>
    [Fact]
    public void Action_statistics_equal_a_hand_count()
    {
        double[] Slot1(int t) => t == 4 ? [2.0, 0] : t % 2 == 0 ? [0, 0] : [0.6, 0.8];
        var counters = new int[2];
        using var actor = new ScriptedActor(2, FeatureKeys.State, (s, _) => { int t = counters[s]++; return s == 0 ? [0.3 * t - 0.9, -0.9] : Slot1(t); }, _ => 3);
        var r = Evaluator.Run(actor, [FeatureKeys.State], () => new ForkEnv(), new EvalOptions(Episodes: 2, FirstSeed: 0, MaxSteps: 6), chunkPeriod: 3).Actions!;
        Assert.Equal(12, r.Actions);
        Assert.Equal(1 / 12.0, r.OutOfBoundsFraction, 12);
        // Changes (steps 1..5): slot 0 five × 0.3; slot 1: 1, 1, 1, |(2,0)−(0.6,0.8)| = √2.6, |(0.6,0.8)−(2,0)| = √2.6 ... step 4 is (2, 0) after (0.6, 0.8), step 5 (0.6, 0.8) after (2, 0).
        var changes = new[] { 0.3, 0.3, 0.3, 0.3, 0.3, 1, 1, 1, Math.Sqrt(2.6), Math.Sqrt(2.6) };
        Assert.Equal(changes.Average(), r.MeanChange, 6); // actions pass through float32
        // Boundaries at step 3 only (period 3, 6 steps): slot 0 0.3, slot 1 1.0.
        Assert.Equal(0.65, r.MeanBoundaryChange, 6);
        Assert.Equal(3, r.ChunkPeriod);
    }

    [Fact]
    public void Evaluator_resets_every_slot_passes_rewards_and_counts_network_calls()
    {
        // Push-T, 3 episodes of 10 steps; every slot pushes toward a fixed point, so rewards change without success.
        var target = new[] { (300.0, 300.0), (100.0, 400.0), (250.0, 200.0) };
        using var actor = new ScriptedActor(3, FeatureKeys.Keypoints, (s, _) => [target[s].Item1, target[s].Item2], s => s + 1);
        var result = Evaluator.Run(actor, [FeatureKeys.Keypoints], () => new PushTEnv(), new EvalOptions(Episodes: 3, FirstSeed: 7, MaxSteps: 10));

        Assert.Equal(new[] { "reset 0", "reset 1", "reset 2" }, actor.Calls.Take(3));
        Assert.Equal(Enumerable.Repeat("act 0,1,2", 10), actor.Calls.Skip(3));
        // The same actions on independent environments give the rewards the actor must have seen, one step late.
        for (int s = 0; s < 3; s++)
        {
            using var env = new PushTEnv();
            env.Reset(7 + s);
            var kp = new float[20];
            env.Observe(ObservationKind.Keypoints, kp);
            Assert.Equal(kp, actor.Observations[s][0]);
            var expected = new List<float> { 0 };
            double max = 0;
            for (int t = 0; t < 10; t++)
            {
                var r = env.Step([target[s].Item1, target[s].Item2]);
                expected.Add((float)r.Reward);
                max = Math.Max(max, r.Reward);
            }
            Assert.Equal(expected.Take(10), actor.Rewards[s]);
            Assert.Equal(max, result.PerEpisode[s].MaxReward);
            Assert.Equal(10, result.PerEpisode[s].Steps);
            Assert.Equal(7 + s, result.PerEpisode[s].Seed);
        }
        // Chunks of 1, 2 and 3 steps: slot 0 plans every step, slot 1 at steps 0,2,4,6,8, slot 2 at 0,3,6,9.
        Assert.Equal(10, result.PolicyCalls);
        Assert.Equal(19 / 10.0, result.MeanBatchPerCall, 12);
    }

    [Fact]
    public void Finished_episodes_leave_the_batch()
    {
        // Fork: slot 0 walks around the obstacle to the goal; slot 1 walks into the obstacle and stays until max steps.
        static double[] Choose(int slot, float[] p) => slot == 1 ? [0, 0.9] : p[1] < 0.3 ? [-0.5, 0.3] : [ForkEnv.Goal.X, ForkEnv.Goal.Y];
        using var actor = new ScriptedActor(2, FeatureKeys.State, Choose, _ => 8);
        var result = Evaluator.Run(actor, [FeatureKeys.State], () => new ForkEnv(), new EvalOptions(Episodes: 2, FirstSeed: 100));

        // Independently: how many steps slot 0's path takes to reach the goal.
        using var env = new ForkEnv();
        env.Reset(100);
        int reached = 0;
        while (!env.Reached) { env.Step(Choose(0, [(float)env.Position.X, (float)env.Position.Y])); reached++; }

        Assert.True(result.PerEpisode[0].Success);
        Assert.Equal(reached, result.PerEpisode[0].Steps);
        Assert.False(result.PerEpisode[1].Success);
        Assert.Equal(ForkEnv.MaxSteps, result.PerEpisode[1].Steps);
        var acts = actor.Calls.Where(c => c.StartsWith("act")).ToList();
        Assert.Equal(ForkEnv.MaxSteps, acts.Count);
        Assert.Equal(Enumerable.Repeat("act 0,1", reached).Concat(Enumerable.Repeat("act 1", ForkEnv.MaxSteps - reached)), acts);
        Assert.Equal(0.5, result.SuccessRate);
    }

    [Fact]
    public void A_policy_reading_an_observation_the_task_lacks_is_a_clear_error()
    {
        using var actor = new ScriptedActor(1, FeatureKeys.Keypoints, (_, _) => [0, 0], _ => 1);
        var e = Assert.Throws<ArgumentException>(() => Evaluator.Run(actor, [FeatureKeys.Keypoints], () => new ForkEnv(), new EvalOptions(Episodes: 1)));
        Assert.Contains("observation.keypoints", e.Message);
        Assert.Contains("fork", e.Message);
    }
}
