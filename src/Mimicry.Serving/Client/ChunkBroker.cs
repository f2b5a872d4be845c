namespace Mimicry.Serving.Client;

/// <summary>How a new chunk's actions combine with actions already queued for the same timesteps
/// (LeRobot's <c>async_inference/configs.py</c> aggregate functions).</summary>
public enum ChunkMerge
{
    /// <summary>The new prediction replaces the queued one (LeRobot latest_only; openpi's broker, which never overlaps).</summary>
    Latest,
    /// <summary>The mean of the two (LeRobot average).</summary>
    Average,
    /// <summary>0.3·old + 0.7·new (LeRobot weighted_average, its default).</summary>
    Weighted,
}

/// <summary>
/// The client's action queue, indexed by timestep (LeRobot's <c>RobotClient._aggregate_action_queues</c>): a chunk
/// predicted from the observation of step t0 holds the actions for t0, t0+1, ...; on arrival the actions for steps
/// already executed are dropped, those that overlap queued ones are merged, the rest appended. One action is popped
/// per control step.
/// </summary>
public sealed class ChunkBroker(ChunkMerge merge)
{
    private readonly SortedDictionary<long, (float[] Action, int Chunk)> _queue = new();

    public ChunkMerge Merge { get; } = merge;

    /// <summary>Actions queued for steps ≥ <paramref name="step"/>.</summary>
    public int Remaining(long step) => _queue.Keys.Count(k => k >= step);

    /// <summary>Adds a chunk whose row i is the action for step <paramref name="firstStep"/> + i, keeping only
    /// steps ≥ <paramref name="now"/> (the next to execute).</summary>
    /// <param name="chunk">Its rows; <paramref name="chunkId"/> tags the actions it supplies (for the jump at chunk boundaries).</param>
    public void Add(long firstStep, ActionResponse chunk, long now, int chunkId = 0)
    {
        foreach (var stale in _queue.Keys.Where(k => k < now).ToList()) _queue.Remove(stale);
        for (int i = 0; i < chunk.Rows; i++)
        {
            long step = firstStep + i;
            if (step < now) continue;
            var next = chunk.Row(i).ToArray();
            if (_queue.TryGetValue(step, out var queued))
                for (int d = 0; d < next.Length; d++)
                    next[d] = Merge switch { ChunkMerge.Average => 0.5f * (queued.Action[d] + next[d]), ChunkMerge.Weighted => 0.3f * queued.Action[d] + 0.7f * next[d], _ => next[d] };
            _queue[step] = (next, chunkId);
        }
    }

    /// <summary>The action for <paramref name="step"/>, removed from the queue (false: none queued: the robot would stall).</summary>
    public bool TryPop(long step, out float[] action, out int chunkId)
    {
        foreach (var stale in _queue.Keys.Where(k => k < step).ToList()) _queue.Remove(stale);
        bool found = _queue.Remove(step, out var entry);
        (action, chunkId) = found ? entry : ([], -1);
        return found;
    }

    /// <summary>The queued actions for steps <paramref name="from"/>, <paramref name="from"/>+1, ... while they are queued (RTC's prefix).</summary>
    public List<float[]> Queued(long from)
    {
        var result = new List<float[]>();
        while (_queue.TryGetValue(from + result.Count, out var e)) result.Add(e.Action);
        return result;
    }

    /// <summary>Forgets every queued action (a new episode).</summary>
    public void Clear() => _queue.Clear();
}
