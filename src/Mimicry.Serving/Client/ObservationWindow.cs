using Mimicry.Envs;
using Mimicry.Serving.Wire;

namespace Mimicry.Serving.Client;

/// <summary>What the client needs from the server's metadata.</summary>
internal sealed record ServerInfo(bool Step, int ObservationFrames, int ActionsPerResponse, int ActionSteps, IReadOnlyList<(string Key, long[] Shape, ObservationKind Kind)> Fields)
{
    public static ServerInfo Of(IReadOnlyDictionary<string, object?> meta, TaskEntry task)
    {
        long Int(string key) => meta.GetValueOrDefault(key) is long v ? v : throw new InvalidDataException($"the server's metadata has no integer '{key}' (not a Mimicry server?)");
        if (meta.GetValueOrDefault("observation_shapes") is not Dictionary<string, object?> shapes)
            throw new InvalidDataException("the server's metadata has no 'observation_shapes' (not a Mimicry server?)");
        if (meta.GetValueOrDefault("task") is string served && served != task.Name)
            throw new ArgumentException($"the server's policy acts in '{served}', not '{task.Name}'");
        var fields = shapes.Select(kv =>
        {
            var kind = ObservationKinds.Of(kv.Key);
            if (!task.Spec.ObservationSizes.ContainsKey(kind))
                throw new ArgumentException($"the server's policy reads '{kv.Key}', which the {task.Name} task does not observe");
            var shape = kv.Value is List<object?> dims ? dims.Select(d => Convert.ToInt64(d)).ToArray() : throw new InvalidDataException($"metadata: bad shape of '{kv.Key}'");
            return (kv.Key, shape, kind);
        }).ToList();
        return new ServerInfo(meta.GetValueOrDefault("mode") as string == "step", (int)Int("n_obs_steps"), (int)Int("actions_per_response"), (int)Int("n_action_steps"), fields);
    }
}

/// <summary>
/// The client's last To observations per feature, as numpy arrays to send: (To, D) float32, cameras (To, H, W, 3) uint8;
/// in step mode the newest frame alone, (D,) / (H, W, 3). The first observation fills the window (DP's MultiStepWrapper).
/// </summary>
internal sealed class ObservationWindow
{
    private readonly ServerInfo _info;
    private readonly List<float[]>[] _frames;

    public ObservationWindow(ServerInfo info, IEnv first)
    {
        _info = info;
        _frames = info.Fields.Select(_ => new List<float[]>()).ToArray();
        Push(first);
        for (int f = 0; f < _frames.Length; f++)
            while (_frames[f].Count < info.ObservationFrames) _frames[f].Insert(0, _frames[f][0]);
    }

    public void Push(IEnv env)
    {
        for (int f = 0; f < _frames.Length; f++)
        {
            var (_, shape, kind) = _info.Fields[f];
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            env.Observe(kind, values);
            _frames[f].Add(values);
            if (_frames[f].Count > _info.ObservationFrames) _frames[f].RemoveAt(0);
        }
    }

    public Dictionary<string, object?> Arrays()
    {
        var request = new Dictionary<string, object?>();
        for (int f = 0; f < _frames.Length; f++)
        {
            var (key, shape, kind) = _info.Fields[f];
            var frames = _info.Step ? _frames[f].TakeLast(1).ToList() : _frames[f];
            var dims = _info.Step ? shape : [frames.Count, .. shape];
            var flat = frames.SelectMany(x => x).ToArray();
            request[key] = kind == ObservationKind.Pixels
                ? NdArray.UInt8(flat.Select(v => (byte)Math.Clamp(MathF.Round(v), 0, 255)).ToArray(), dims)
                : NdArray.Float32(flat, dims);
        }
        return request;
    }
}
