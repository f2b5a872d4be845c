using System.Collections.Concurrent;
using System.Diagnostics;
using Mimicry.Numerics;
using Mimicry.Policies;
using Mimicry.Policies.Acting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Serving.Server;

/// <summary>What one request got: the actions (n, Da) row-major, the network time of its batch and that batch's size.</summary>
public sealed record ServedActions(float[] Actions, int Rows, int ActionDim, double InferMs, int BatchSize);

/// <summary>
/// One policy serving many clients, independent of the transport: a slot of per-client state each (the observation
/// window in chunk mode, the actor's episode in step mode), and one inference thread that batches the requests that
/// arrive together (up to <see cref="ServeOptions.MaxBatch"/>, waiting at most <see cref="ServeOptions.MaxWaitMs"/>
/// after the first) into one network call. All torch work happens on that thread.
/// </summary>
public sealed class PolicyService : IDisposable
{
    private sealed record Pending(int Slot, ObservationRequest Request, TaskCompletionSource<ServedActions> Done);

    private readonly IPolicy _policy;
    private readonly ServeOptions _options;
    private readonly BlockingCollection<Pending> _queue = new();
    private readonly Thread _worker;
    private readonly Generator _generator;
    private readonly ObservationHistory? _history; // chunk mode
    private readonly IActor? _actor;               // step mode
    private readonly bool[] _used, _fresh;
    private readonly int _actionDim;

    public ServeMode Mode { get; }
    public IReadOnlyList<ObservationField> Fields { get; }
    /// <summary>To: observation frames per prediction.</summary>
    public int ObservationFrames { get; }
    /// <summary>Da.</summary>
    public int ActionDim => _actionDim;
    /// <summary>Actions per response: the chunk length in chunk mode, 1 in step mode.</summary>
    public int ActionsPerResponse { get; }
    /// <summary>Requests served and network calls made (for the log and the benchmark).</summary>
    public long Requests => Interlocked.Read(ref _requests);
    public long Batches => Interlocked.Read(ref _batches);
    private long _requests, _batches;

    public PolicyService(IPolicy policy, ServeOptions options)
    {
        options.Validate();
        _policy = policy;
        _options = options;
        Fields = ObservationRequest.FieldsOf(policy);
        ObservationFrames = policy.Config.NObsSteps;
        _actionDim = policy.Normalizers.Dim(Data.FeatureKeys.Action);
        var chunking = policy as IChunkingPolicy;
        Mode = options.Mode ?? (chunking != null && policy.Config.Execution == ActionExecution.RecedingHorizon ? ServeMode.Chunk : ServeMode.Step);
        if (Mode == ServeMode.Chunk && chunking == null) throw new ArgumentException($"policy {policy.Config.Name} predicts one action per step: serve it with --mode step");
        _generator = new Generator((ulong)options.SamplingSeed);
        if (Mode == ServeMode.Chunk)
        {
            _history = new ObservationHistory(options.MaxClients, ObservationFrames, Fields.ToDictionary(f => f.Key, f => f.Dim));
            ActionsPerResponse = chunking!.ChunkLength;
        }
        else
        {
            _actor = policy.CreateActor(options.MaxClients, _generator);
            ActionsPerResponse = 1;
        }
        _used = new bool[options.MaxClients];
        _fresh = new bool[options.MaxClients];
        _worker = new Thread(Work) { IsBackground = true, Name = "mimicry-inference" };
        _worker.Start();
    }

    /// <summary>The policy's metadata, sent to each client on connect (openpi: policy_metadata).</summary>
    public Dictionary<string, object?> Metadata(string? task) => new()
    {
        ["policy"] = _policy.Config.Name,
        ["task"] = task,
        ["mode"] = Mode.ToString().ToLowerInvariant(),
        ["observation_keys"] = Fields.Select(f => f.Key).ToList(),
        ["observation_shapes"] = Fields.ToDictionary(f => f.Key, f => (object?)(f.ImageShape?.Select(x => (long)x).ToList() ?? [(long)f.Dim])),
        ["image_keys"] = _policy.Config.ImageKeys.ToList(),
        ["n_obs_steps"] = (long)ObservationFrames,
        ["action_dim"] = (long)_actionDim,
        ["actions_per_response"] = (long)ActionsPerResponse,
        ["n_action_steps"] = (long)_policy.Config.NActionSteps,
        ["execution"] = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(_policy.Config.Execution.ToString()),
    };

    /// <summary>A free slot for a new connection, fresh (null: every slot is taken).</summary>
    public int? Open()
    {
        lock (_used)
        {
            int slot = Array.IndexOf(_used, false);
            if (slot < 0) return null;
            _used[slot] = true;
            Volatile.Write(ref _fresh[slot], true);
            return slot;
        }
    }

    /// <summary>Frees a connection's slot.</summary>
    public void Close(int slot) { lock (_used) _used[slot] = false; }

    /// <summary>Queues a decoded request of <paramref name="slot"/>; completes with its actions once its batch ran.</summary>
    public Task<ServedActions> Submit(int slot, ObservationRequest request)
    {
        if (Mode == ServeMode.Step && request.FrameCount > 1)
            throw new InvalidDataException($"step mode takes one observation frame per request, got {request.FrameCount}");
        if (Mode == ServeMode.Step && !request.Infer && request.FrameCount > 0)
            throw new InvalidDataException("'infer': false only records frames in chunk mode; in step mode every request is a control step");
        if (request.Prefix != null && (Mode != ServeMode.Chunk || _policy is not IPrefixGuidedPolicy))
            throw new InvalidDataException($"'rtc_prefix': real-time chunking needs chunk mode and a policy that can be guided toward a prefix (flow); {_policy.Config.Name} in {Mode.ToString().ToLowerInvariant()} mode cannot");
        var done = new TaskCompletionSource<ServedActions>(TaskCreationOptions.RunContinuationsAsynchronously);
        try { _queue.Add(new Pending(slot, request, done)); }
        catch (InvalidOperationException) { throw new ObjectDisposedException("the policy service is stopping"); }
        return done.Task;
    }

    private void Work()
    {
        var batch = new List<Pending>();
        var deferred = new Queue<Pending>();
        while (true)
        {
            batch.Clear();
            Pending? first = deferred.Count > 0 ? deferred.Dequeue() : null;
            if (first == null)
            {
                try { first = _queue.Take(); }
                catch (InvalidOperationException) { return; } // completed: stopping
            }
            batch.Add(first);
            var clock = Stopwatch.StartNew();
            while (batch.Count < _options.MaxBatch)
            {
                int wait = (int)Math.Max(0, _options.MaxWaitMs - clock.Elapsed.TotalMilliseconds);
                Pending? next = deferred.Count > 0 ? deferred.Dequeue() : _queue.TryTake(out var p, wait) ? p : null;
                if (next == null) break;
                if (batch.Any(b => b.Slot == next.Slot)) { deferred.Enqueue(next); break; } // a slot once per batch
                batch.Add(next);
            }
            Run(batch);
        }
    }

    private void Run(List<Pending> batch)
    {
        try
        {
            using var scope = torch.NewDisposeScope();
            foreach (var p in batch)
                if (Volatile.Read(ref _fresh[p.Slot]) || p.Request.Reset)
                {
                    _history?.Reset(p.Slot);
                    _actor?.Reset(p.Slot);
                    Volatile.Write(ref _fresh[p.Slot], false);
                }
            var clock = Stopwatch.StartNew();
            var results = Mode == ServeMode.Chunk ? RunChunks(batch) : RunSteps(batch);
            double ms = clock.Elapsed.TotalMilliseconds;
            int inferred = results.Count(r => r.Rows > 0);
            Interlocked.Add(ref _requests, batch.Count);
            if (inferred > 0) Interlocked.Increment(ref _batches);
            for (int i = 0; i < batch.Count; i++) batch[i].Done.SetResult(results[i] with { InferMs = ms, BatchSize = inferred });
        }
        catch (Exception e)
        {
            foreach (var p in batch) p.Done.TrySetException(e);
        }
    }

    /// <summary>Chunk mode: record every frame in its slot's window, then one network call for the slots that infer.</summary>
    private ServedActions[] RunChunks(List<Pending> batch)
    {
        var results = new ServedActions[batch.Count];
        var inferring = new List<int>();
        for (int i = 0; i < batch.Count; i++)
        {
            var (slot, request, _) = batch[i];
            if (request.FrameCount == ObservationFrames) _history!.Reset(slot); // a whole window replaces the history
            for (int k = 0; k < request.FrameCount; k++)
                _history!.Push(slot, request.Frames.ToDictionary(f => f.Key, f => f.Value[k]));
            if (request.Infer && request.FrameCount > 0) inferring.Add(i);
            else results[i] = new ServedActions([], 0, _actionDim, 0, 0);
        }
        if (inferring.Count == 0) return results;
        var slots = inferring.Select(i => batch[i].Slot).ToList();
        var window = _history!.Windows(slots);
        Tensor chunk;
        using (Threads.ForBatch(slots.Count))
            chunk = inferring.Any(i => batch[i].Request.Prefix != null)
                ? Guided(window, inferring.Select(i => batch[i].Request).ToList())
                : ((IChunkingPolicy)_policy).PredictChunk(window, _generator); // (B, n, Da)
        int n = (int)chunk.shape[1];
        var values = chunk.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        for (int j = 0; j < inferring.Count; j++)
            results[inferring[j]] = Checked(new ServedActions(values.AsSpan(j * n * _actionDim, n * _actionDim).ToArray(), n, _actionDim, 0, 0));
        return results;
    }

    /// <summary>Real-time chunking for the batch: each row's queued actions with LeRobot's LINEAR prefix weights (rows without: free).</summary>
    private Tensor Guided(Dictionary<string, Tensor> window, List<ObservationRequest> requests)
    {
        var guided = (IPrefixGuidedPolicy)_policy; // Submit refused prefixes for any other policy
        int p = requests.Max(r => r.PrefixRows);
        var prefix = new float[requests.Count * p * _actionDim];
        var weights = new float[requests.Count * p];
        for (int j = 0; j < requests.Count; j++)
        {
            var r = requests[j];
            if (r.Prefix == null) continue;
            r.Prefix.CopyTo(prefix, j * p * _actionDim);
            var w = Generative.RealTimeChunking.PrefixWeights(r.Delay, Math.Min(r.ExecutionHorizon ?? r.PrefixRows, r.PrefixRows), r.PrefixRows);
            w.CopyTo(weights, j * p);
        }
        return guided.PredictChunk(window, torch.tensor(prefix).reshape(requests.Count, p, _actionDim), torch.tensor(weights).reshape(requests.Count, p), _generator);
    }

    /// <summary>Step mode: one control step of the actor for the slots of the batch (it runs the network for those that need it).</summary>
    private ServedActions[] RunSteps(List<Pending> batch)
    {
        var results = new ServedActions[batch.Count];
        var acting = Enumerable.Range(0, batch.Count).Where(i => batch[i].Request.FrameCount > 0).ToList();
        foreach (int i in Enumerable.Range(0, batch.Count).Except(acting)) results[i] = new ServedActions([], 0, _actionDim, 0, 0); // bare resets
        if (acting.Count == 0) return results;
        var observation = Fields.ToDictionary(f => f.Key, f =>
        {
            var rows = new float[acting.Count * f.Dim];
            for (int j = 0; j < acting.Count; j++) batch[acting[j]].Request.Frames[f.Key][0].CopyTo(rows, j * f.Dim);
            return torch.tensor(rows).reshape(acting.Count, f.Dim);
        });
        var reward = torch.tensor(acting.Select(i => batch[i].Request.Reward).ToArray());
        var slots = acting.Select(i => batch[i].Slot).ToArray();
        Tensor actions;
        using (Threads.ForBatch(slots.Length)) actions = _actor!.Act(slots, new StepInput(observation, reward)); // (B, Da)
        var values = actions.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        for (int j = 0; j < acting.Count; j++)
            results[acting[j]] = Checked(new ServedActions(values.AsSpan(j * _actionDim, _actionDim).ToArray(), 1, _actionDim, 0, 0));
        return results;
    }

    private static ServedActions Checked(ServedActions a)
    {
        foreach (float v in a.Actions)
            if (!float.IsFinite(v)) throw new InvalidOperationException($"the policy produced a non-finite action ({v})");
        return a;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _worker.Join();
        while (_queue.TryTake(out var p)) p.Done.TrySetException(new ObjectDisposedException("the policy service stopped"));
        _actor?.Dispose();
        _generator.Dispose();
        _queue.Dispose();
    }
}
