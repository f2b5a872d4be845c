using Mimicry.Policies.Acting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Policies;

public class ActorTests
{
    private const string Obs = "observation.state";

    private static StepInput Input(params float[][] rows) =>
        new(new Dictionary<string, Tensor> { [Obs] = torch.tensor(rows.SelectMany(r => r).ToArray()).reshape(rows.Length, rows[0].Length) });

    [Fact]
    public void Temporal_ensembling_equals_the_weighted_mean_of_every_prediction_for_the_step()
    {
        // Chunks of n = 3 one-dimensional actions; call c (0, 1, 2, ...) predicts [c·100 + 1, c·100 + 2, c·100 + 3] for slot 0.
        int call = 0;
        ChunkPredictor predict = (window, _) =>
        {
            long b = window[Obs].shape[0];
            var rows = Enumerable.Range(0, (int)b).SelectMany(_ => new float[] { call * 100 + 1, call * 100 + 2, call * 100 + 3 }).ToArray();
            call++;
            return torch.tensor(rows).reshape(b, 3, 1);
        };
        const double k = 0.5;
        using var actor = new TemporalEnsembleActor(1, 1, new Dictionary<string, int> { [Obs] = 1 }, 1, 3, k, predict, null);
        actor.Reset(0);
        double w1 = Math.Exp(-k), w2 = Math.Exp(-2 * k);
        // ACT, Algorithm 2 (offline form): the action at step t averages what each chunk predicted for t, oldest weighted w0 = 1.
        double[] expected =
        [
            1,                                                      // step 0: chunk 0's first action alone
            (2 + 101 * w1) / (1 + w1),                              // step 1: chunk 0's 2nd, chunk 1's 1st
            (3 + 102 * w1 + 201 * w2) / (1 + w1 + w2),              // step 2: chunk 0's 3rd, chunk 1's 2nd, chunk 2's 1st
            (103 + 202 * w1 + 301 * w2) / (1 + w1 + w2),            // step 3: chunk 0 no longer covers it
        ];
        for (int t = 0; t < expected.Length; t++)
        {
            using var a = actor.Act([0], Input([0f]));
            Assert.Equal(expected[t], a.item<float>(), 3);
            Assert.Equal(1, actor.LastInferred);
        }
        Assert.Equal(1, actor.Weights[0]);
        Assert.Equal(w1, actor.Weights[1], 12);
        Assert.Equal(w2, actor.Weights[2], 12);

        // A reset forgets the ensemble: the next action is the new chunk's first.
        actor.Reset(0);
        using var fresh = actor.Act([0], Input([0f]));
        Assert.Equal(401, fresh.item<float>(), 3);
    }

    [Fact]
    public void Receding_horizon_queues_Ta_actions_and_keeps_the_last_To_observations_per_slot()
    {
        var windows = new List<float[]>();
        ChunkPredictor predict = (window, _) =>
        {
            var w = window[Obs]; // (B, To=2, 1)
            windows.AddRange(Enumerable.Range(0, (int)w.shape[0]).Select(i => w[i].flatten().data<float>().ToArray()));
            // chunk of 4: the newest observation + 0.1, 0.2, 0.3, 0.4
            var newest = w[.., -1, 0].unsqueeze(1);
            return (newest + torch.tensor(new float[] { 0.1f, 0.2f, 0.3f, 0.4f }).unsqueeze(0)).unsqueeze(2);
        };
        using var actor = new RecedingHorizonActor(2, 2, new Dictionary<string, int> { [Obs] = 1 }, 1, 3, predict, null);
        actor.Reset(0);
        actor.Reset(1);
        var executed = new List<float>();
        var inferred = new List<int>();
        for (int t = 0; t < 7; t++)
        {
            // slot 0 observes 10 + t; slot 1 observes 20 + t and joins at t = 1 (so its chunks start a step later)
            int[] slots = t == 0 ? [0] : [0, 1];
            var rows = slots.Select(s => new float[] { s * 10 + 10 + t }).ToArray();
            using var a = actor.Act(slots, Input(rows));
            executed.Add(a[0].item<float>());
            inferred.Add(actor.LastInferred);
        }
        // Slot 0 predicts at t = 0, 3, 6 and executes 3 actions of each chunk.
        Assert.Equal(new[] { 10.1f, 10.2f, 10.3f, 13.1f, 13.2f, 13.3f, 16.1f }, executed.Select(x => MathF.Round(x, 3)));
        // Inference: t0 slot 0; t1 slot 1; t3 slot 0; t4 slot 1; t6 slot 0.
        Assert.Equal(new[] { 1, 1, 0, 1, 1, 0, 1 }, inferred);
        // Windows, in call order: DP repeats the first observation To times, then keeps the last two.
        Assert.Equal(new[] { "10,10", "21,21", "12,13", "23,24", "15,16" }, windows.Select(w => string.Join(",", w)));
    }

    [Fact]
    public void Actor_rejects_a_missing_or_misshaped_observation()
    {
        ChunkPredictor predict = (w, _) => torch.zeros(w[Obs].shape[0], 4, 1);
        using var actor = new RecedingHorizonActor(1, 2, new Dictionary<string, int> { [Obs] = 2 }, 1, 2, predict, null);
        actor.Reset(0);
        var e = Assert.Throws<ArgumentException>(() => actor.Act([0], new StepInput(new Dictionary<string, Tensor> { ["observation.other"] = torch.zeros(1, 2) })));
        Assert.Contains(Obs, e.Message);
        e = Assert.Throws<ArgumentException>(() => actor.Act([0], Input([1f, 2f, 3f])));
        Assert.Contains("[1, 2]", e.Message);
    }
}
