using Mimicry.Numerics;

namespace Mimicry.Evaluation;

/// <summary>
/// Collects <see cref="ActionStats"/> while episodes run: every executed action against the action space's bounds, and its
/// change from the same episode's previous action, also at chunk boundaries (every <c>chunkPeriod</c> steps).
/// </summary>
internal sealed class ActionStatsAccumulator(int episodes, int actionDim, double low, double high, int chunkPeriod)
{
    private readonly double[] _previous = new double[episodes * actionDim];
    private readonly List<double> _changes = [], _boundaryChanges = [];
    private long _executed, _outOfBounds;

    /// <summary>The action episode <paramref name="episode"/> executes at its step <paramref name="step"/> (0: its first).</summary>
    public void Add(int episode, int step, ReadOnlySpan<double> action)
    {
        _executed++;
        bool outside = false;
        double change = 0;
        for (int d = 0; d < actionDim; d++)
        {
            double v = action[d], before = _previous[episode * actionDim + d];
            outside |= v < low || v > high;
            change += (v - before) * (v - before);
            _previous[episode * actionDim + d] = v;
        }
        if (outside) _outOfBounds++;
        if (step == 0) return;
        _changes.Add(Math.Sqrt(change));
        if (step % chunkPeriod == 0) _boundaryChanges.Add(Math.Sqrt(change));
    }

    public ActionStats Result()
    {
        var c = _changes.Order().ToArray();
        var b = _boundaryChanges.Order().ToArray();
        return new ActionStats(_executed, _outOfBounds / (double)Math.Max(1, _executed), c.Length > 0 ? c.Average() : 0, c.Length > 0 ? Statistics.Quantile(c, 0.99) : 0,
            b.Length > 0 ? b.Average() : 0, b.Length > 0 ? Statistics.Quantile(b, 0.99) : 0, chunkPeriod);
    }
}
