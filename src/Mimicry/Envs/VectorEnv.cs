using Mimicry.Numerics;
namespace Mimicry.Envs;

/// <summary>
/// N independent environments stepped in parallel on the thread pool. Each environment has its own
/// seed and its own native state, so results are identical to stepping them one by one, in any order.
/// Actions and observations are flat row-major arrays: row i belongs to environment i.
/// </summary>
public sealed class VectorEnv : IDisposable
{
    private readonly IEnv[] _envs;
    private readonly int? _maxThreads;

    public int Count => _envs.Length;
    public EnvSpec Spec => _envs[0].Spec;
    public IEnv this[int i] => _envs[i];

    /// <param name="factory">Makes one environment.</param>
    /// <param name="count">Number of environments.</param>
    /// <param name="maxThreads">Worker threads (default: all cores; 1 steps them sequentially).</param>
    public VectorEnv(Func<IEnv> factory, int count, int? maxThreads = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "need at least one environment");
        _envs = new IEnv[count];
        for (int i = 0; i < count; i++) _envs[i] = factory();
        _maxThreads = maxThreads;
    }

    /// <summary>Resets environment i with seeds[i].</summary>
    public void Reset(ReadOnlySpan<long> seeds)
    {
        if (seeds.Length != Count) throw new ArgumentException($"need {Count} seeds, got {seeds.Length}", nameof(seeds));
        var s = seeds.ToArray();
        Parallelism.For(0, Count, i => _envs[i].Reset(s[i]), _maxThreads);
    }

    /// <summary>Steps every environment whose <paramref name="active"/> flag is set (all when null) with its row of <paramref name="actions"/>.</summary>
    public StepResult[] Step(ReadOnlySpan<double> actions, bool[]? active = null)
    {
        int dim = Spec.ActionDim;
        if (actions.Length != Count * dim) throw new ArgumentException($"need {Count}x{dim} action values, got {actions.Length}", nameof(actions));
        if (active != null && active.Length != Count) throw new ArgumentException($"need {Count} active flags", nameof(active));
        var a = actions.ToArray();
        var results = new StepResult[Count];
        Parallelism.For(0, Count, i =>
        {
            if (active == null || active[i]) results[i] = _envs[i].Step(a.AsSpan(i * dim, dim));
        }, _maxThreads);
        return results;
    }

    /// <summary>Writes every environment's observation of <paramref name="kind"/> into consecutive rows.</summary>
    public void Observe(ObservationKind kind, Span<float> destination)
    {
        int size = Spec.ObservationSizes[kind];
        if (destination.Length != Count * size) throw new ArgumentException($"need {Count}x{size} floats, got {destination.Length}", nameof(destination));
        for (int i = 0; i < Count; i++) _envs[i].Observe(kind, destination.Slice(i * size, size));
    }

    public void Dispose()
    {
        foreach (var e in _envs) e.Dispose();
    }
}
