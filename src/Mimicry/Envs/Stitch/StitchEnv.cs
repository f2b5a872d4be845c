namespace Mimicry.Envs.Stitch;

/// <summary>
/// The smallest task where stitching matters (../shared/notes/specs/decision-transformer.md §9, the two-path
/// pattern of Elastic DT and MBRCSL on a deterministic graph):
/// <code>
///   Y ──→ M ──→ G (+1, success)        S: start      each step: action &lt; 0 takes the first edge,
///         ↑  └─→ X (0)                                 action ≥ 0 the second (Y has one edge, M)
///   S ────┘                                           X, Z, G end the episode
///   └───────→ Z (+0.5)
/// </code>
/// S's edges are (M, Z), M's (X, G). The best path from S is S → M → G (return 1), but the data
/// (<see cref="StitchData"/>) hold only S → M → X (0), Y → M → G (1) and S → Z (0.5): the optimum joins the
/// first half of one trajectory to the second half of another. The observation is the node, one-hot (6 values);
/// the action one number in [-1, 1]. The reward is paid on entering G or Z; the episode's return is its best
/// reward, as Push-T's.
/// </summary>
public sealed class StitchEnv : IEnv
{
    public enum Node { S, M, Z, X, G, Y }

    public const int NodeCount = 6, MaxSteps = 4;
    private const double GoalReward = 1.0, SideReward = 0.5;

    public static readonly EnvSpec Specification = new("stitch", 1, -1, 1, MaxSteps,
        new Dictionary<ObservationKind, int> { [ObservationKind.State] = NodeCount });

    /// <summary>Where a node's two edges lead (first: action &lt; 0, second: action ≥ 0); terminal nodes have none.</summary>
    public static (Node First, Node Second)? Edges(Node n) => n switch
    {
        Node.S => (Node.M, Node.Z),
        Node.M => (Node.X, Node.G),
        Node.Y => (Node.M, Node.M),
        _ => null,
    };

    public static bool IsTerminal(Node n) => Edges(n) is null;

    /// <summary>The reward for entering a node.</summary>
    public static double Reward(Node n) => n switch { Node.G => GoalReward, Node.Z => SideReward, _ => 0 };

    private readonly Node _start;

    /// <param name="start">The start node (evaluation starts at S; the data generator also starts at Y).</param>
    public StitchEnv(Node start = Node.S) => _start = start;

    public EnvSpec Spec => Specification;
    public Node Current { get; private set; }
    /// <summary>Nodes visited this episode, the start included.</summary>
    public List<Node> Path { get; } = [];

    public void Reset(long seed)
    {
        Current = _start; // deterministic: every seed starts at the same node
        Path.Clear();
        Path.Add(Current);
    }

    public StepResult Step(ReadOnlySpan<double> action)
    {
        if (action.Length != 1) throw new ArgumentException($"stitch action must have 1 value, got {action.Length}", nameof(action));
        if (!double.IsFinite(action[0])) throw new ArgumentException($"stitch action must be finite, got {action[0]}", nameof(action));
        if (Edges(Current) is not { } edges) return new StepResult(0, Current == Node.G); // ended: stays put
        Current = action[0] < 0 ? edges.First : edges.Second;
        Path.Add(Current);
        return new StepResult(Reward(Current), Current == Node.G);
    }

    public void Observe(ObservationKind kind, Span<float> destination)
    {
        if (kind != ObservationKind.State) throw new NotSupportedException($"the stitch task observes its node (state), not {kind}");
        destination[..NodeCount].Clear();
        destination[(int)Current] = 1;
    }

    public void Dispose() { }
}
