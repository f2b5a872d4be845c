using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Acting;

/// <summary>
/// Temporal ensembling (Zhao et al. 2023, ACT, Algorithm 2), in LeRobot's online form
/// (ACTTemporalEnsembler.update): predict a chunk of n actions every step, and execute the weighted
/// average of every prediction made so far for the current step, with weights w_i = exp(-k·i), i = 0 the
/// oldest prediction. Per slot the actor keeps the running averages E of the n-1 future steps and how
/// many predictions each holds (c); a new chunk a updates them as
/// <code>
///   E[i] ← (E[i]·W[c_i - 1] + a[i]·w[c_i]) / W[c_i],  c_i ← min(c_i + 1, n),  W = cumsum(w)
/// </code>
/// appends a[n-1] with count 1, then executes and drops E[0]. Works with any chunking policy.
/// </summary>
public sealed class TemporalEnsembleActor : IActor
{
    private readonly ChunkPredictor _predict;
    private readonly ObservationHistory _history;
    private readonly Generator? _generator;
    private readonly int _actionDim;
    private readonly double[] _w, _cumW;
    private readonly List<double[]>?[] _ensembled; // per slot: future steps, each Da values (null: fresh)
    private readonly List<int>?[] _count;

    public int Slots { get; }
    public int LastInferred { get; private set; }
    /// <summary>k in w_i = exp(-k·i) (LeRobot and the ACT paper: 0.01; 0: a plain mean; negative: favour new predictions).</summary>
    public double Coefficient { get; }

    public TemporalEnsembleActor(int slots, int observationFrames, IReadOnlyDictionary<string, int> observationDims, int actionDim, int chunkLength,
        double coefficient, ChunkPredictor predict, Generator? generator)
    {
        if (chunkLength < 1) throw new ArgumentOutOfRangeException(nameof(chunkLength), chunkLength, "must be >= 1");
        Slots = slots;
        Coefficient = coefficient;
        _predict = predict;
        _generator = generator;
        _actionDim = actionDim;
        _history = new ObservationHistory(slots, observationFrames, observationDims);
        _w = Enumerable.Range(0, chunkLength).Select(i => Math.Exp(-coefficient * i)).ToArray();
        _cumW = new double[chunkLength];
        for (int i = 0; i < chunkLength; i++) _cumW[i] = _w[i] + (i > 0 ? _cumW[i - 1] : 0);
        _ensembled = new List<double[]>?[slots];
        _count = new List<int>?[slots];
    }

    /// <summary>The ensembling weights w_i = exp(-k·i), oldest prediction first.</summary>
    public IReadOnlyList<double> Weights => _w;

    public void Reset(int slot)
    {
        _history.Reset(slot);
        _ensembled[slot] = null;
        _count[slot] = null;
    }

    public Tensor Act(ReadOnlySpan<int> slots, StepInput input)
    {
        _history.Push(slots, input);
        LastInferred = slots.Length;
        float[] chunks;
        int n;
        using (var scope = torch.NewDisposeScope())
        {
            var chunk = _predict(_history.Windows(slots.ToArray()), _generator); // (B, n, Da)
            n = (int)chunk.shape[1];
            if (n != _w.Length) throw new InvalidOperationException($"the policy predicted {n} actions, the ensemble expects chunks of {_w.Length}");
            chunks = chunk.contiguous().data<float>().ToArray();
        }
        var actions = new float[slots.Length * _actionDim];
        for (int j = 0; j < slots.Length; j++)
        {
            var action = Update(slots[j], chunks.AsSpan(j * n * _actionDim, n * _actionDim), n);
            for (int d = 0; d < _actionDim; d++) actions[j * _actionDim + d] = (float)action[d];
        }
        return torch.tensor(actions).reshape(slots.Length, _actionDim);
    }

    /// <summary>Folds a new chunk (n x Da) into the slot's ensemble and pops the action for now.</summary>
    private double[] Update(int slot, ReadOnlySpan<float> chunk, int n)
    {
        var e = _ensembled[slot];
        var c = _count[slot];
        if (e == null || c == null)
        {
            e = _ensembled[slot] = new List<double[]>(n);
            for (int i = 0; i < n; i++) e.Add(Row(chunk, i));
            c = _count[slot] = Enumerable.Repeat(1, n).ToList();
        }
        else
        {
            for (int i = 0; i < e.Count; i++) // e holds n-1 future steps, aligned with chunk[0..n-2]
            {
                int k = c[i];
                for (int d = 0; d < _actionDim; d++)
                    e[i][d] = (e[i][d] * _cumW[k - 1] + chunk[i * _actionDim + d] * _w[k]) / _cumW[k];
                c[i] = Math.Min(k + 1, n);
            }
            e.Add(Row(chunk, n - 1));
            c.Add(1);
        }
        var now = e[0];
        e.RemoveAt(0);
        c.RemoveAt(0);
        return now;
    }

    private double[] Row(ReadOnlySpan<float> chunk, int i)
    {
        var r = new double[_actionDim];
        for (int d = 0; d < _actionDim; d++) r[d] = chunk[i * _actionDim + d];
        return r;
    }

    public void Dispose() { }
}
