using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Acting;

/// <summary>
/// Predicts the raw action chunk that starts at the newest observation: from a raw observation window,
/// feature key → (B, To, D) oldest first, to (B, n, Da), row 0 being the action for the newest frame.
/// </summary>
public delegate Tensor ChunkPredictor(IReadOnlyDictionary<string, Tensor> window, Generator? generator);

/// <summary>
/// The observation windows of every slot, kept as flat arrays (no tensors between steps): per feature,
/// (slots, To, D), oldest frame first. A slot's first observation after a reset fills its whole window
/// (DP's MultiStepWrapper repeats the first observation To times).
/// </summary>
internal sealed class ObservationHistory
{
    private readonly (string Key, int Dim, float[] Values)[] _features;
    private readonly bool[] _fresh;
    private readonly int _frames;

    public ObservationHistory(int slots, int frames, IReadOnlyDictionary<string, int> dims)
    {
        _frames = frames;
        _features = dims.Select(kv => (kv.Key, kv.Value, new float[slots * frames * kv.Value])).ToArray();
        _fresh = Enumerable.Repeat(true, slots).ToArray();
    }

    public void Reset(int slot) => _fresh[slot] = true;

    /// <summary>Appends row j of every feature of <paramref name="input"/> to slot <c>slots[j]</c>'s window.</summary>
    public void Push(ReadOnlySpan<int> slots, StepInput input)
    {
        foreach (var (key, dim, values) in _features)
        {
            if (!input.Observation.TryGetValue(key, out var t)) throw new ArgumentException($"the step input has no observation '{key}' (it has {string.Join(", ", input.Observation.Keys)})");
            if (t.shape.Length != 2 || t.shape[0] != slots.Length || t.shape[1] != dim)
                throw new ArgumentException($"observation '{key}' has shape [{string.Join(", ", t.shape)}], expected [{slots.Length}, {dim}]");
            var rows = t.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            for (int j = 0; j < slots.Length; j++) Append(values, dim, slots[j], rows.AsSpan(j * dim, dim));
        }
        foreach (int s in slots) _fresh[s] = false;
    }

    /// <summary>Appends one frame, feature key → its values (D), to <paramref name="slot"/>'s window (a server's request: no tensors).</summary>
    public void Push(int slot, IReadOnlyDictionary<string, float[]> frame)
    {
        foreach (var (key, dim, values) in _features)
        {
            if (!frame.TryGetValue(key, out var row)) throw new ArgumentException($"the frame has no observation '{key}' (it has {string.Join(", ", frame.Keys)})");
            if (row.Length != dim) throw new ArgumentException($"observation '{key}' has {row.Length} values, expected {dim}");
            Append(values, dim, slot, row);
        }
        _fresh[slot] = false;
    }

    /// <summary>A fresh slot's window becomes the row repeated To times; otherwise the oldest frame drops and the row is the newest.</summary>
    private void Append(float[] values, int dim, int slot, ReadOnlySpan<float> row)
    {
        int window = _frames * dim, at = slot * window;
        if (_fresh[slot])
            for (int k = 0; k < _frames; k++) row.CopyTo(values.AsSpan(at + k * dim, dim));
        else
        {
            Array.Copy(values, at + dim, values, at, window - dim); // drop the oldest frame
            row.CopyTo(values.AsSpan(at + window - dim, dim));
        }
    }

    /// <summary>The windows of the given slots as tensors, feature key → (B, To, D).</summary>
    public Dictionary<string, Tensor> Windows(IReadOnlyList<int> slots)
    {
        var result = new Dictionary<string, Tensor>(_features.Length);
        foreach (var (key, dim, values) in _features)
        {
            int window = _frames * dim;
            var batch = new float[slots.Count * window];
            for (int j = 0; j < slots.Count; j++) Array.Copy(values, slots[j] * window, batch, j * window, window);
            result[key] = torch.tensor(batch).reshape(slots.Count, _frames, dim);
        }
        return result;
    }
}
