using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Acting;

/// <summary>
/// Receding-horizon chunk execution, as Diffusion Policy evaluates (MultiStepWrapper) and LeRobot's
/// action queue: when a slot's queue is empty, predict a chunk from its last To observations and queue
/// its first Ta actions; every step pops one. Slots whose queues run dry together are predicted in one
/// batch, in the order they were given.
/// </summary>
public sealed class RecedingHorizonActor : IActor
{
    private readonly ChunkPredictor _predict;
    private readonly ObservationHistory _history;
    private readonly Generator? _generator;
    private readonly int _executed, _actionDim;
    private readonly float[][] _queue; // per slot: queued actions, Ta x Da
    private readonly int[] _next;      // per slot: index of the next queued action (Ta: empty)

    public int Slots { get; }
    public int LastInferred { get; private set; }

    /// <param name="slots">Independent episodes.</param>
    /// <param name="observationFrames">To: observations per prediction.</param>
    /// <param name="observationDims">Feature key → size of one observation.</param>
    /// <param name="actionDim">Da.</param>
    /// <param name="executedSteps">Ta: actions executed from each chunk before predicting again.</param>
    /// <param name="predict">The chunk starting at the newest observation.</param>
    /// <param name="generator">Sampling noise (null: the predictor's default).</param>
    public RecedingHorizonActor(int slots, int observationFrames, IReadOnlyDictionary<string, int> observationDims, int actionDim, int executedSteps,
        ChunkPredictor predict, Generator? generator)
    {
        if (executedSteps < 1) throw new ArgumentOutOfRangeException(nameof(executedSteps), executedSteps, "must be >= 1");
        Slots = slots;
        _predict = predict;
        _generator = generator;
        _executed = executedSteps;
        _actionDim = actionDim;
        _history = new ObservationHistory(slots, observationFrames, observationDims);
        _queue = Enumerable.Range(0, slots).Select(_ => new float[executedSteps * actionDim]).ToArray();
        _next = Enumerable.Repeat(executedSteps, slots).ToArray();
    }

    public void Reset(int slot)
    {
        _history.Reset(slot);
        _next[slot] = _executed;
    }

    public Tensor Act(ReadOnlySpan<int> slots, StepInput input)
    {
        _history.Push(slots, input);
        var empty = new List<int>();
        foreach (int s in slots) if (_next[s] == _executed) empty.Add(s);
        LastInferred = empty.Count;
        if (empty.Count > 0)
        {
            using var scope = torch.NewDisposeScope();
            var chunk = _predict(_history.Windows(empty), _generator); // (B', n, Da)
            if (chunk.shape[1] < _executed) throw new InvalidOperationException($"the policy predicted {chunk.shape[1]} actions, fewer than the {_executed} to execute");
            var values = chunk[.., .._executed].contiguous().data<float>().ToArray();
            for (int j = 0; j < empty.Count; j++)
            {
                Array.Copy(values, j * _executed * _actionDim, _queue[empty[j]], 0, _executed * _actionDim);
                _next[empty[j]] = 0;
            }
        }
        var actions = new float[slots.Length * _actionDim];
        for (int j = 0; j < slots.Length; j++)
        {
            int s = slots[j];
            Array.Copy(_queue[s], _next[s] * _actionDim, actions, j * _actionDim, _actionDim);
            _next[s]++;
        }
        return torch.tensor(actions).reshape(slots.Length, _actionDim);
    }

    public void Dispose() { }
}
