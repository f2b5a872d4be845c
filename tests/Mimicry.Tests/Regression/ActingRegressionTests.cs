using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.Fork;
using Mimicry.Envs.PushT;
using Mimicry.Evaluation;
using Mimicry.Policies.Bc;
using Mimicry.Policies.Diffusion;
using Mimicry.Tests.Envs;
using Mimicry.Tests.Training;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Tests.Regression;

/// <summary>
/// Per-episode scores of small deterministic runs, recorded with the code before the policy contract
/// was reshaped (revision be8f552: stateless PredictActionChunk, the evaluator owning DP's observation
/// history). Training and acting are deterministic on CPU at one torch thread, so the reshaped trainer,
/// actor and evaluator reproduce them to the last digit on the machine they were recorded on. Another CPU's
/// convolution kernels round differently (an AVX-512 AMD EPYC, session 7: 1e-7 in the fork's positions, 1e-4 px
/// in Push-T's poses), so values are compared to a relative 1e-4: a change of logic moves them by far more.
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public class ActingRegressionTests
{
    /// <summary>The max reward of every episode, then every episode's final state (Push-T: agent and block poses; fork: position).</summary>
    private static double[] TrainAndEvaluate(RunConfig config, EpisodeDataset data, Func<IEnv> env, EvalOptions options)
    {
        string run = TempDirs.New("regression");
        try
        {
            using (var trainer = new Trainer(config, data, run)) trainer.Run();
            var (_, policy) = Checkpoint.Load(run);
            using (policy)
            {
                int stateDim;
                using (var probe = env()) stateDim = probe.Spec.ObservationSizes[ObservationKind.State];
                var final = new float[options.Episodes * stateDim];
                var result = Evaluator.Run(policy, env, options, onStep: (i, e) => e.Observe(ObservationKind.State, final.AsSpan(i * stateDim, stateDim)));
                var values = result.PerEpisode.Select(e => e.MaxReward).Concat(final.Select(v => (double)v)).ToArray();
                Console.WriteLine($"{config.Policy.Name}: [{string.Join(", ", values.Select(v => v.ToString("R")))}]");
                return values;
            }
        }
        finally { TempDirs.Delete(run); }
    }

    private static RunConfig PushTDiffusion() => TinyRuns.Diffusion(steps: 120) with { Train = TinyRuns.Diffusion(120).Train with { ValFraction = 0.2 } };

    [Fact]
    public void PushT_diffusion_scores_are_unchanged()
    {
        var scores = TrainAndEvaluate(PushTDiffusion(), TinyRuns.PushT(6), () => new PushTEnv(), new EvalOptions(Episodes: 5, MaxSteps: 60, SamplingSeed: 3));
        AssertClose(ExpectedPushTDiffusion, scores);
    }

    [Fact]
    public void PushT_bc_scores_are_unchanged()
    {
        var config = PushTDiffusion() with { Policy = new BcConfig { HiddenDims = [64, 64] } };
        var scores = TrainAndEvaluate(config, TinyRuns.PushT(6), () => new PushTEnv(), new EvalOptions(Episodes: 5, MaxSteps: 60));
        AssertClose(ExpectedPushTBc, scores);
    }

    [Fact]
    public void Fork_diffusion_scores_are_unchanged()
    {
        var config = TinyRuns.Diffusion(steps: 150) with
        {
            Task = Tasks.Fork,
            Policy = new DiffusionConfig { ObservationKey = FeatureKeys.State, DownDims = [16, 32], DiffusionStepEmbedDim = 32, Sampler = Mimicry.Generative.SamplerKind.DdimClipped, NumInferenceSteps = 10 }, // the DDIM of revision be8f552
        };
        var scores = TrainAndEvaluate(config, ForkExpert.Demonstrations(30, seed: 2), () => new ForkEnv(), new EvalOptions(Episodes: 6, FirstSeed: 100000, MaxSteps: ForkEnv.MaxSteps, SamplingSeed: 1));
        AssertClose(ExpectedForkDiffusion, scores);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Console.WriteLine($"max relative deviation {expected.Zip(actual, (e, a) => Math.Abs(a - e) / Math.Max(1, Math.Abs(e))).Max():E2}");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])),
                $"value {i}: expected {expected[i]:R}, got {actual[i]:R}; all: [{string.Join(", ", actual.Select(v => v.ToString("R")))}]");
    }

    private static readonly double[] ExpectedPushTDiffusion =
    [
        0, 0.17785419038837716, 0, 0.17881819568268698, 0.010206187430269931, 223.54710388183594,
        341.6663818359375, 385.3567810058594, 134.03802490234375, 5.948736190795898, 363.5693054199219, 325.819580078125,
        230.8050079345703, 312.9838562011719, 5.115671634674072, 122.57453918457031, 217.6236572265625, 302.92291259765625,
        340.2546081542969, 0.17904430627822876, 383.66943359375, 331.6359558105469, 410.9154968261719, 152.7373046875,
        3.2394509315490723, 298.0341796875, 261.7027587890625, 146.4918670654297, 426.4450378417969, 0.9978811740875244,
    ];
    private static readonly double[] ExpectedPushTBc =
    [
        0, 0.17785419038837716, 0, 0.17881819568268698, 0, 367.12884521484375,
        438.0108947753906, 418.1473388671875, 423.3091125488281, 3.807377815246582, -14.154162406921387, 466.84124755859375,
        22.041778564453125, 537.924072265625, 3.1411595344543457, 310.23370361328125, 421.16314697265625, 348.0464782714844,
        339.0079040527344, 6.083737373352051, 478.5041809082031, 184.48170471191406, 397.5284118652344, 179.65945434570312,
        2.5820276737213135, 254.17330932617188, 443.56707763671875, 347.6828918457031, 437.03662109375, 1.1070786714553833,
    ];
    private static readonly double[] ExpectedForkDiffusion =
    [
        0, 0, 0, 0, 0, 0,
        -0.2312077432870865, -0.23470166325569153, -0.24509373307228088, -0.16536667943000793, -0.1102224737405777, -0.24829810857772827,
        -0.29557502269744873, -0.06515088677406311, -0.02597389742732048, -0.3111705780029297, 0.0849912241101265, -0.29640209674835205,
    ];
}
