using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies;
using Mimicry.Policies.Acting;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Evaluation;
using Mimicry.Policies.DecisionTransformer;
using Mimicry.Training;
using TorchSharp;
using static TorchSharp.torch;
using Mimicry.Numerics;
using Mimicry.Configuration;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Tests.Policies;

public class DecisionTransformerTests
{
    /// <summary>With positions within the context the same window predicts the same actions at any time of the episode; with
    /// the reference's absolute timesteps it does not (a late, untrained row differs from an early one).</summary>
    [Theory]
    [InlineData(DtPositions.Context, true)]
    [InlineData(DtPositions.Timestep, false)]
    public void Context_positions_make_predictions_independent_of_the_episode_time(DtPositions positions, bool same)
    {
        torch.manual_seed(4);
        var cfg = new DecisionTransformerConfig { EmbedDim = 16, NLayer = 1, NHead = 2, NObsSteps = 4, Horizon = 4, Dropout = 0, MaxEpisodeLength = 300, Positions = positions };
        var net = new DecisionTransformerNetwork(cfg, 3, 2);
        net.eval();
        Assert.Equal(positions == DtPositions.Context ? 4 : 300, net.named_parameters().Single(p => p.name.StartsWith("embed_timestep")).parameter.shape[0]);
        using var g = new Generator(1);
        var states = torch.randn([1, 4, 3], generator: g);
        var actions = torch.randn([1, 4, 2], generator: g);
        var returns = torch.rand([1, 4], generator: g);
        var pad = torch.zeros(1, 4, ScalarType.Bool);
        var early = net.forward(states, actions, returns, torch.arange(4).unsqueeze(0), pad);
        var late = net.forward(states, actions, returns, torch.arange(200, 204).unsqueeze(0), pad);
        Assert.Equal(same, (early - late).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void Changing_a_future_token_leaves_earlier_predictions_unchanged()
    {
        torch.manual_seed(4);
        var net = new DecisionTransformerNetwork(new DecisionTransformerConfig { EmbedDim = 16, NLayer = 2, NHead = 2, NObsSteps = 5, Horizon = 5, Dropout = 0 }, 3, 2);
        net.eval();
        using var g = new Generator(1);
        var states = torch.randn([2, 5, 3], generator: g);
        var actions = torch.randn([2, 5, 2], generator: g);
        var returns = torch.rand([2, 5], generator: g);
        var timesteps = torch.arange(5).unsqueeze(0).expand(2, 5);
        var pad = torch.zeros(2, 5, ScalarType.Bool);
        pad[1, 0] = torch.tensor(true); // the second window starts one step into its context
        var before = net.forward(states, actions, returns, timesteps, pad);
        // a_3 comes after s_3 in the sequence (R̂_3, s_3, a_3): changing it, or s_4, changes nothing at steps 0..3.
        var actions2 = actions.clone(); actions2[.., 3] = torch.tensor(5f);
        var states2 = states.clone(); states2[.., 4] = torch.tensor(-5f);
        var after = net.forward(states2, actions2, returns, timesteps, pad);
        // (Window 1's step 0 is padding: its output is meaningless and never used, so only real positions are compared.)
        Assert.Equal(before[0, ..4].contiguous().data<float>().ToArray(), after[0, ..4].contiguous().data<float>().ToArray());
        Assert.Equal(before[1, 1..4].contiguous().data<float>().ToArray(), after[1, 1..4].contiguous().data<float>().ToArray());
        Assert.True((before[.., 4] - after[.., 4]).abs().max().item<float>() > 1e-4f, "the newest state token should see its own state");
        // A padded position is invisible: changing what it holds changes no real position's prediction.
        var states3 = states.clone(); states3[1, 0] = torch.tensor(9f);
        var after3 = net.forward(states3, actions, returns, timesteps, pad);
        Assert.Equal(before[1, 1..].contiguous().data<float>().ToArray(), after3[1, 1..].contiguous().data<float>().ToArray());
    }

    [Fact]
    public void Return_bookkeeping_in_both_modes()
    {
        // Target 1.0, rewards 0.2 then 0.3 (worked by hand): decrement 1.0 → 0.8 → 0.5; constant stays 1.0.
        double[] rewards = [0.2, 0.3];
        foreach (var (mode, expected) in new[] { (ReturnMode.Decrement, new[] { 1.0, 0.8, 0.5 }), (ReturnMode.Constant, new[] { 1.0, 1.0, 1.0 }) })
        {
            var got = new List<double>();
            double r = 0;
            for (int t = 0; t < 3; t++)
            {
                r = DecisionTransformerActor.NextReturn(r, t == 0 ? 0 : rewards[t - 1], fresh: t == 0, target: 1.0, mode);
                got.Add(r);
            }
            Assert.Equal(expected, got, (a, b) => Math.Abs(a - b) < 1e-12);
        }
        // The derived training return: each frame holds its episode's best reward.
        var d = ForkExpert.Demonstrations(3, 0);
        var best = DerivedFeatures.EpisodeMaxReward(d);
        var reward = d.Values(FeatureKeys.Reward);
        for (int e = 0; e < d.Episodes; e++)
        {
            float max = Enumerable.Range((int)d.EpisodeStart(e), d.EpisodeLength(e)).Max(t => reward[t]);
            Assert.All(Enumerable.Range((int)d.EpisodeStart(e), d.EpisodeLength(e)), t => Assert.Equal(max, best[t]));
        }
    }

    /// <summary>
    /// The fork, relabelled: passing on the left earns 1.0, on the right 0.5. Asked for 1.0, a DT trained on both goes left.
    /// </summary>
    [Fact]
    public void Asked_for_the_higher_return_the_dt_takes_the_better_side()
    {
        string dir = TempDirs.New("dt");
        try
        {
            var data = ForkExpert.Demonstrations(120, 0);
            var reward = data.Values(FeatureKeys.Reward);
            var side = data.Values(ForkExpert.SideKey);
            for (int t = 0; t < reward.Length; t++) if (side[t] > 0) reward[t] *= 0.5f;
            data.Stats = DatasetStats.Compute(data);
            var config = new RunConfig
            {
                Task = Tasks.Fork, Dataset = "(generated)",
                Policy = new DecisionTransformerConfig { ObservationKey = FeatureKeys.State, EmbedDim = 32, NLayer = 2, NHead = 2, NObsSteps = 4, Horizon = 4, MaxEpisodeLength = 64, Dropout = 0 },
                Train = TinyRunsTrain(1500),
            };
            using (var trainer = new Trainer(config, data, dir)) trainer.Run();
            var (_, policy) = Checkpoint.Load(dir, acting: ["policy.target_return=1.0"]);
            using (policy)
            {
                int episodes = 20;
                var crossing = new double?[episodes];
                Evaluator.Run(policy, () => new ForkEnv(), new EvalOptions(episodes, 100000),
                    onStep: (i, env) => { var p = ((ForkEnv)env).Position; if (crossing[i] == null && p.Y >= 0) crossing[i] = p.X; });
                double left = crossing.Count(x => x < 0) / (double)episodes;
                Assert.True(left >= 0.9, $"passed left in {left:P0} of rollouts asked for return 1.0");
            }
        }
        finally { TempDirs.Delete(dir); }
    }

    /// <summary>With chunk_size C, state token t is trained toward a_t .. a_t+C−1 of its window, targets past the episode's end
    /// left out: the loss against the same mean worked element by element over the batch.</summary>
    [Fact]
    public void A_chunk_loss_compares_each_state_token_with_its_next_actions()
    {
        var (data, cfg, normalizers, untrained) = ChunkedFork(episodes: 6, chunk: 3, executed: 2, seed: 3);
        using var policy = untrained;
        var loader = new BatchLoader(data, Enumerable.Range(0, data.Episodes).ToList(), cfg.TrainingWindow, normalizers.All(), 256, seed: 0);
        using var batch = loader.Next();
        Assert.Equal(4 + 3 - 1, batch.Action.shape[1]);
        using var loss = policy.ComputeLoss(batch, new Generator(0)).Loss;

        using var pred = policy.Forward(batch[cfg.ObservationKey], batch.Action[.., ..4], batch[cfg.ReturnFeature][.., .., 0], batch[FeatureKeys.FrameIndex][.., .., 0], batch.ActionIsPad[.., ..4]);
        long b = batch.Size;
        int a = policy.ActionDim;
        var p = pred.contiguous().data<float>().ToArray();                  // (B, 4, 3, a)
        var act = batch.Action.contiguous().data<float>().ToArray();       // (B, 6, a)
        var isPad = batch.ActionIsPad.contiguous().data<bool>().ToArray(); // (B, 6)
        double sum = 0; long count = 0, pastEnd = 0;
        for (int i = 0; i < b; i++)
            for (int t = 0; t < 4; t++)
            {
                if (isPad[i * 6 + t]) continue;
                for (int j = 0; j < 3; j++)
                {
                    if (isPad[i * 6 + t + j]) { pastEnd++; continue; }
                    for (int d = 0; d < a; d++)
                    {
                        double e = p[((i * 4 + t) * 3 + j) * a + d] - act[(i * 6 + t + j) * a + d];
                        sum += e * e;
                    }
                    count++;
                }
            }
        Assert.True(pastEnd > 0, "the batch should hold windows whose chunks run past an episode's end");
        Assert.Equal(sum / (count * a), loss.item<float>(), 5);
    }

    /// <summary>chunk_size 4, n_action_steps 3: the network runs at steps 0, 3, 6; steps 1 and 2 execute the rest of step 0's chunk.</summary>
    [Fact]
    public void A_chunked_actor_executes_its_queue_before_predicting_again()
    {
        var (_, cfg, normalizers, untrained) = ChunkedFork(episodes: 4, chunk: 4, executed: 3, seed: 5);
        using var policy = untrained;
        using var actor = policy.CreateActor(1);
        int s = policy.StateDim;
        var inferred = new List<int>();
        var executed = new List<float[]>();
        for (int step = 0; step < 7; step++)
        {
            var obs = torch.full(1, s, 0.1f * step);
            using var action = actor.Act([0], new StepInput(new Dictionary<string, Tensor> { [cfg.ObservationKey] = obs }));
            inferred.Add(actor.LastInferred);
            executed.Add(action.contiguous().data<float>().ToArray());
        }
        Assert.Equal([1, 0, 0, 1, 0, 0, 1], inferred);
        // Step 0's chunk, worked from the network on the same one-state history: steps 0-2 execute its first three actions.
        var state = normalizers[cfg.ObservationKey].Normalize(torch.full(1, s, 0f));
        var states = torch.zeros(1, 4, s); states[0, 3] = state[0];
        var pad = torch.tensor(new[] { true, true, true, false }).reshape(1, 4);
        using var chunk = policy.Forward(states, torch.zeros(1, 4, policy.ActionDim), torch.full(1, 4, (float)cfg.TargetReturn), torch.zeros(1, 4), pad);
        var expected = normalizers[FeatureKeys.Action].Unnormalize(chunk[0, 3]).contiguous().data<float>().ToArray(); // (4, a)
        for (int k = 0; k < 3; k++)
            Assert.Equal(expected.Skip(k * policy.ActionDim).Take(policy.ActionDim).ToArray(), executed[k], (x, y) => Math.Abs(x - y) < 1e-5);
    }

    /// <summary>A small untrained DT with context 4 and the given chunk on the fork's demonstrations (derived features added).</summary>
    private static (EpisodeDataset Data, DecisionTransformerConfig Cfg, PolicyNormalizers Normalizers, DecisionTransformerPolicy Policy) ChunkedFork(int episodes, int chunk, int executed, int seed)
    {
        torch.manual_seed(seed);
        var data = ForkExpert.Demonstrations(episodes, 0);
        var cfg = new DecisionTransformerConfig { ObservationKey = FeatureKeys.State, EmbedDim = 16, NLayer = 1, NHead = 2, NObsSteps = 4, Horizon = 4, ChunkSize = chunk, NActionSteps = executed, Dropout = 0, MaxEpisodeLength = 64 };
        DerivedFeatures.Ensure(data, cfg.Inputs.Select(f => f.Key));
        data.Stats ??= DatasetStats.Compute(data);
        var normalizers = PolicyNormalizers.From(data.Stats, cfg);
        return (data, cfg, normalizers, new DecisionTransformerPolicy(cfg, normalizers));
    }

    private static TrainConfig TinyRunsTrain(int steps) => new()
    {
        Steps = steps, BatchSize = 64, Lr = 1e-3, WarmupSteps = 50, LrScheduler = LrSchedulerKind.Constant, GradClipNorm = 0.25, UseEma = false,
        LogEvery = 100, CheckpointEvery = steps, ValFraction = 0, Seed = 1, Threads = 1,
    };
}
