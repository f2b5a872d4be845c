namespace Mimicry.Experiments.Stitching;

/// <summary>One logged transition of a discrete task: state s, action a, reward r, next state s', and whether s' ends the episode.</summary>
public readonly record struct Transition(int State, int Action, double Reward, int Next, bool Terminal);

/// <summary>
/// Tabular Q-learning on a fixed dataset, swept to convergence (fitted Q-iteration on a table): for every
/// (s, a) the data contain, Q(s, a) ← r + γ · max over the actions logged at s' of Q(s', a'), 0 if s' is terminal
/// (Watkins 1989's update with the learning rate at 1, which is exact for deterministic data). Only logged
/// actions get values, so the greedy policy never leaves the data's support; dynamic programming joins the
/// first half of one trajectory to the second half of another through the state they share, which
/// return-conditioned imitation cannot.
/// </summary>
public sealed class OfflineQLearning
{
    private readonly Dictionary<(int State, int Action), double> _q = new();
    private readonly ILookup<int, int> _actionsAt;

    public OfflineQLearning(IReadOnlyList<Transition> data, double gamma = 1.0, int maxSweeps = 1000)
    {
        if (data.Count == 0) throw new ArgumentException("offline Q-learning needs at least one transition");
        // Deterministic data: average the rewards and keep the successor of each (s, a).
        var model = data.GroupBy(t => (t.State, t.Action)).ToDictionary(g => g.Key, g => (Reward: g.Average(t => t.Reward), g.First().Next, g.First().Terminal));
        _actionsAt = model.Keys.ToLookup(k => k.State, k => k.Action);
        foreach (var k in model.Keys) _q[k] = 0;
        for (Sweeps = 1; Sweeps <= maxSweeps; Sweeps++)
        {
            double change = 0;
            foreach (var (k, (r, next, terminal)) in model)
            {
                double target = r + (terminal || !_actionsAt.Contains(next) ? 0 : gamma * _actionsAt[next].Max(a => _q[(next, a)]));
                change = Math.Max(change, Math.Abs(target - _q[k]));
                _q[k] = target;
            }
            if (change < 1e-12) break;
        }
    }

    /// <summary>Sweeps until no value changed.</summary>
    public int Sweeps { get; }

    public double? Q(int state, int action) => _q.TryGetValue((state, action), out var v) ? v : null;

    /// <summary>The logged action with the highest value at <paramref name="state"/> (lowest index on ties), or null if the data never visit it.</summary>
    public int? Greedy(int state) => _actionsAt.Contains(state) ? _actionsAt[state].OrderByDescending(a => _q[(state, a)]).ThenBy(a => a).First() : null;
}
