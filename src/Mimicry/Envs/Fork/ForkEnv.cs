using Mimicry.Numerics;
namespace Mimicry.Envs.Fork;

/// <summary>
/// A small multimodal task: a point agent starts below a round obstacle and must reach the goal above
/// it without touching it. Going left or right around it are equally good; going straight is not.
/// Regression averages the two ways round into "straight ahead" (Chi et al. 2023, §2; Florence et al.
/// 2021, IBC), which this task makes visible and measurable.
/// <code>
///          goal (0, 0.9)
///       ╭── · ──╮
///   left│  (●)  │right       obstacle: centre (0, 0), radius 0.3
///       ╰── · ──╯
///          start (x ~ U(-0.05, 0.05), -0.9)
/// </code>
/// Actions are absolute targets (as in Push-T); each step the agent moves toward the target by at most
/// <see cref="MaxStep"/>. Success: within <see cref="GoalRadius"/> of the goal before touching the
/// obstacle (agent radius included) and within <see cref="MaxSteps"/> steps. Touching ends the episode.
/// </summary>
public sealed class ForkEnv : IEnv
{
    public const double ObstacleRadius = 0.3, AgentRadius = 0.03, GoalRadius = 0.1, MaxStep = 0.06, Bound = 1.2;
    public const int MaxSteps = 60;
    public static readonly (double X, double Y) Goal = (0, 0.9);
    public static readonly (double X, double Y) ObstacleCenter = (0, 0);

    public static readonly EnvSpec Specification = new("fork", 2, -Bound, Bound, MaxSteps,
        new Dictionary<ObservationKind, int> { [ObservationKind.State] = 2 });

    public EnvSpec Spec => Specification;
    public (double X, double Y) Position { get; private set; }
    public bool Collided { get; private set; }
    public bool Reached { get; private set; }
    public int Steps { get; private set; }

    /// <summary>Start position for a seed (numpy-compatible RNG, so a Python port can reproduce it).</summary>
    public void Reset(long seed)
    {
        var rng = new NumpyRandomState(seed);
        Position = (rng.NextDouble() * 0.1 - 0.05, -0.9);
        Collided = Reached = false;
        Steps = 0;
    }

    public StepResult Step(ReadOnlySpan<double> action)
    {
        if (action.Length != 2) throw new ArgumentException($"fork action must have 2 values (target x, y), got {action.Length}", nameof(action));
        double tx = action[0], ty = action[1];
        if (!double.IsFinite(tx) || !double.IsFinite(ty)) throw new ArgumentException($"fork action must be finite, got ({tx}, {ty})", nameof(action));
        if (!Collided && !Reached)
        {
            double dx = tx - Position.X, dy = ty - Position.Y, d = Math.Sqrt(dx * dx + dy * dy);
            double s = d > MaxStep ? MaxStep / d : 1;
            var next = (Math.Clamp(Position.X + s * dx, -Bound, Bound), Math.Clamp(Position.Y + s * dy, -Bound, Bound));
            Collided = SegmentHitsObstacle(Position, next);
            Position = next;
            Reached = !Collided && Distance(Position, Goal) < GoalRadius;
        }
        Steps++;
        return new StepResult(Reached ? 1 : 0, Reached);
    }

    public void Observe(ObservationKind kind, Span<float> destination)
    {
        if (kind != ObservationKind.State) throw new NotSupportedException($"fork only observes its state, not {kind}");
        if (destination.Length != 2) throw new ArgumentException($"state has 2 values, destination has {destination.Length}");
        destination[0] = (float)Position.X;
        destination[1] = (float)Position.Y;
    }

    public static double Distance((double X, double Y) a, (double X, double Y) b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));

    /// <summary>Whether the moving agent touches the obstacle anywhere on the segment a→b (closest point of the segment).</summary>
    public static bool SegmentHitsObstacle((double X, double Y) a, (double X, double Y) b)
    {
        double vx = b.X - a.X, vy = b.Y - a.Y, len2 = vx * vx + vy * vy;
        double t = len2 == 0 ? 0 : Math.Clamp(((ObstacleCenter.X - a.X) * vx + (ObstacleCenter.Y - a.Y) * vy) / len2, 0, 1);
        var closest = (a.X + t * vx, a.Y + t * vy);
        return Distance(closest, ObstacleCenter) < ObstacleRadius + AgentRadius;
    }

    public void Dispose() { }
}
