using Mimicry.Data;
using Mimicry.Policies.Acting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.DecisionTransformer;

/// <summary>
/// The Decision Transformer acting (kzl/decision-transformer evaluate_episode_rtg + get_action): per slot, the
/// last K (return, state, action, timestep), right-aligned and left-padded; each step appends the newest
/// state with a placeholder action, runs the network on every given slot at once, reads the action at the
/// newest state token and stores it in the history. The return starts at the target and is then held
/// (constant) or reduced by each reward received (decrement).
/// </summary>
public sealed class DecisionTransformerActor : IActor
{
    private readonly DecisionTransformerPolicy _policy;
    private readonly DecisionTransformerConfig _cfg;
    private readonly int _k, _s, _a;
    private readonly float[][] _states, _actions, _returns, _timesteps; // per slot, right-aligned: K·s, K·a, K, K
    private readonly int[] _count;                                     // per slot: real entries (≤ K); 0 = fresh episode
    private readonly float[] _lastReturn;
    private readonly int[] _lastTimestep;
    private readonly float[][] _queue;                                 // per slot: the chunk's actions still to execute, Ta·a, normalized
    private readonly int[] _queued, _next;                             // per slot: actions queued, and the next one to execute

    public int Slots { get; }
    public int LastInferred { get; private set; }

    public DecisionTransformerActor(DecisionTransformerPolicy policy, DecisionTransformerConfig cfg, int slots)
    {
        _policy = policy;
        _cfg = cfg;
        _k = cfg.Context;
        _s = policy.StateDim;
        _a = policy.ActionDim;
        Slots = slots;
        _states = Enumerable.Range(0, slots).Select(_ => new float[_k * _s]).ToArray();
        _actions = Enumerable.Range(0, slots).Select(_ => new float[_k * _a]).ToArray();
        _returns = Enumerable.Range(0, slots).Select(_ => new float[_k]).ToArray();
        _timesteps = Enumerable.Range(0, slots).Select(_ => new float[_k]).ToArray();
        _count = new int[slots];
        _lastReturn = new float[slots];
        _lastTimestep = new int[slots];
        _queue = Enumerable.Range(0, slots).Select(_ => new float[cfg.NActionSteps * _a]).ToArray();
        _queued = new int[slots];
        _next = new int[slots];
    }

    public void Reset(int slot) => _count[slot] = _queued[slot] = _next[slot] = 0;

    /// <summary>The return token for a slot's next step: the target first, then held or reduced by the reward.</summary>
    public static double NextReturn(double previous, double reward, bool fresh, double target, ReturnMode mode) =>
        fresh ? target : mode == ReturnMode.Decrement ? previous - reward : previous;

    public Tensor Act(ReadOnlySpan<int> slots, StepInput input)
    {
        using var scope = torch.NewDisposeScope();
        if (!input.Observation.TryGetValue(_cfg.ObservationKey, out var obsTensor))
            throw new ArgumentException($"the step input has no observation '{_cfg.ObservationKey}'");
        var obs = _policy.Normalizers[_cfg.ObservationKey].Normalize(obsTensor.to_type(ScalarType.Float32).cpu()).contiguous().data<float>().ToArray();
        var rewards = input.Reward?.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        int n = slots.Length;
        for (int j = 0; j < n; j++)
        {
            int slot = slots[j];
            bool fresh = _count[slot] == 0;
            _lastReturn[slot] = (float)NextReturn(_lastReturn[slot], rewards?[j] ?? 0, fresh, _cfg.TargetReturn, _cfg.ReturnMode);
            _lastTimestep[slot] = fresh ? 0 : _lastTimestep[slot] + 1;
            if (_count[slot] == _k) Shift(slot); else _count[slot]++;
            int last = _k - 1;
            Array.Copy(obs, j * _s, _states[slot], last * _s, _s);
            Array.Clear(_actions[slot], last * _a, _a); // placeholder: s_t does not see a_t
            _returns[slot][last] = _lastReturn[slot];
            _timesteps[slot][last] = _lastTimestep[slot];
        }
        var infer = new List<int>();                                               // slots whose queue ran out
        for (int j = 0; j < n; j++) if (_next[slots[j]] == _queued[slots[j]]) infer.Add(j);
        if (infer.Count > 0) Infer(slots, infer);
        LastInferred = infer.Count;
        var values = new float[n * _a];
        for (int j = 0; j < n; j++)
        {
            int slot = slots[j];
            Array.Copy(_queue[slot], _next[slot] * _a, values, j * _a, _a);
            Array.Copy(values, j * _a, _actions[slot], (_k - 1) * _a, _a);      // the executed action joins the history
            _next[slot]++;
        }
        var newest = torch.tensor(values).reshape(n, _a);                         // (B, a), normalized
        return _policy.Normalizers[FeatureKeys.Action].Unnormalize(newest).MoveToOuterDisposeScope();
    }

    /// <summary>Runs the network on the histories of slots[infer[..]] and queues the first n_action_steps of each newest chunk.</summary>
    private void Infer(ReadOnlySpan<int> slots, List<int> infer)
    {
        int n = infer.Count;
        var states = new float[n * _k * _s];
        var actions = new float[n * _k * _a];
        var returns = new float[n * _k];
        var timesteps = new float[n * _k];
        var pad = new bool[n * _k];
        for (int j = 0; j < n; j++)
        {
            int slot = slots[infer[j]];
            Array.Copy(_states[slot], 0, states, j * _k * _s, _k * _s);
            Array.Copy(_actions[slot], 0, actions, j * _k * _a, _k * _a);
            Array.Copy(_returns[slot], 0, returns, j * _k, _k);
            Array.Copy(_timesteps[slot], 0, timesteps, j * _k, _k);
            for (int p = 0; p < _k - _count[slot]; p++) pad[j * _k + p] = true;
        }
        Tensor predicted;
        using (torch.no_grad())
        {
            _policy.Network.eval();
            try
            {
                var dev = _policy.Device;
                predicted = _policy.Forward(torch.tensor(states, device: dev).reshape(n, _k, _s), torch.tensor(actions, device: dev).reshape(n, _k, _a),
                    torch.tensor(returns, device: dev).reshape(n, _k), torch.tensor(timesteps, device: dev).reshape(n, _k), torch.tensor(pad, device: dev).reshape(n, _k));
            }
            finally { _policy.Network.train(); }
        }
        int ta = _cfg.NActionSteps;
        var chunks = predicted[.., _k - 1, ..ta].cpu().contiguous().data<float>().ToArray(); // (n, Ta, a): the newest token's chunk
        for (int j = 0; j < n; j++)
        {
            int slot = slots[infer[j]];
            Array.Copy(chunks, j * ta * _a, _queue[slot], 0, ta * _a);
            _queued[slot] = ta;
            _next[slot] = 0;
        }
    }

    /// <summary>Drops a full history's oldest entry, freeing the last position.</summary>
    private void Shift(int slot)
    {
        Array.Copy(_states[slot], _s, _states[slot], 0, (_k - 1) * _s);
        Array.Copy(_actions[slot], _a, _actions[slot], 0, (_k - 1) * _a);
        Array.Copy(_returns[slot], 1, _returns[slot], 0, _k - 1);
        Array.Copy(_timesteps[slot], 1, _timesteps[slot], 0, _k - 1);
    }

    public void Dispose() { }
}
