using Mimicry.Envs.Chipmunk;
using static Mimicry.Envs.PushT.PushTGeometry;
using Mimicry.Numerics;

namespace Mimicry.Envs.PushT;

/// <summary>
/// Push-T, a faithful port of the Diffusion Policy environment
/// (real-stanford/diffusion_policy, diffusion_policy/env/pusht/pusht_env.py, "legacy" reset as used
/// for the published demonstrations and evaluation): the same Chipmunk 7.0.3 world, bodies, add
/// order, 10 PD substeps per action, reset seeding and coverage reward.
/// </summary>
/// <remarks>
/// Actions are absolute agent targets in pixels, nominally in [0, 512]. As in the original, finite
/// targets outside that range are passed through unclipped (the agent is kinematic and may leave
/// the walls). Non-finite values, a wrong length or values beyond ±<see cref="MaxAbsAction"/>
/// (which would overflow the controller) are rejected with an <see cref="ArgumentException"/>
/// before anything reaches Chipmunk, whose Debian build aborts the process on a failed assertion.
/// </remarks>
public sealed class PushTEnv : IEnv
{
    /// <summary>Largest action magnitude accepted; far outside the 512-pixel world, but keeps the
    /// PD controller's velocity finite.</summary>
    public const double MaxAbsAction = 1e6;

    /// <summary>Steps per evaluation episode (DP's pusht_keypoints_runner: max_steps 300).</summary>
    public const int MaxSteps = 300;

    public static readonly EnvSpec Specification = new("pusht", 2, 0, WindowSize, MaxSteps,
        new Dictionary<ObservationKind, int>
        {
            [ObservationKind.State] = 5,
            [ObservationKind.Keypoints] = 20,
            [ObservationKind.Pixels] = PushTRenderer.ObservationSize * PushTRenderer.ObservationSize * 3,
        });

    private CpSpace? _space;
    private IntPtr _agent, _block;
    private PushTObservationRenderer? _renderer;
    private byte[]? _pixels;

    public EnvSpec Spec => Specification;

    /// <summary>The last action applied (null right after a reset).</summary>
    public (double X, double Y)? LastAction { get; private set; }

    /// <summary>Contact points per substep in the last step, rounded up (DP's <c>n_contacts</c>).</summary>
    public int NContacts { get; private set; }

    /// <summary>Coverage of the goal by the block after the last reset or step.</summary>
    public double Coverage { get; private set; }

    public PushTEnv() => Setup();

    private CpSpace Space => _space ?? throw new ObjectDisposedException(nameof(PushTEnv));

    /// <summary>Builds the world exactly as DP's <c>_setup</c>: walls, agent, block, collision handler.</summary>
    private unsafe void Setup()
    {
        _space?.Dispose();
        var space = new CpSpace { Gravity = new CpVect(0, 0), Damping = 0 };
        foreach (var w in Walls)
            space.AddShape(Native.cpSegmentShapeNew(space.StaticBody, new CpVect(w[0].X, w[0].Y), new CpVect(w[1].X, w[1].Y), WallRadius));

        // Agent: a kinematic circle. pymunk's body.friction = 1 is a no-op; shapes keep friction 0.
        _agent = space.AddBody(Native.cpBodyNewKinematic());
        Native.cpBodySetPosition(_agent, new CpVect(AgentStart.X, AgentStart.Y));
        space.AddShape(Native.cpCircleShapeNew(_agent, AgentRadius, new CpVect(0, 0)));

        // Block: the T. The source sums the bar's moment twice (inertia2 uses vertices1); we keep that.
        var bar = ToCp(Bar);
        var stem = ToCp(Stem);
        double moment;
        fixed (CpVect* b = bar) moment = 2 * Native.cpMomentForPoly(1, bar.Length, b, new CpVect(0, 0), 0);
        _block = Native.cpBodyNew(1, moment);
        IntPtr barShape, stemShape;
        fixed (CpVect* b = bar) barShape = Native.cpPolyShapeNew(_block, bar.Length, b, CpTransform.Identity, 0);
        fixed (CpVect* s = stem) stemShape = Native.cpPolyShapeNew(_block, stem.Length, s, CpTransform.Identity, 0);
        Native.cpBodySetCenterOfGravity(_block, new CpVect(CenterOfGravity.X, CenterOfGravity.Y));
        Native.cpBodySetPosition(_block, new CpVect(BlockStart.X, BlockStart.Y));
        Native.cpBodySetAngle(_block, 0);
        space.AddBody(_block);
        space.AddShape(barShape);
        space.AddShape(stemShape);

        space.CountContacts(0, 0);
        _space = space;
    }

    private static CpVect[] ToCp((double X, double Y)[] points) => points.Select(p => new CpVect(p.X, p.Y)).ToArray();

    /// <summary>
    /// DP's legacy reset: a fresh world, then from <c>RandomState(seed)</c> the agent position
    /// (randint(50,450) x2), block position (randint(100,400) x2) and a Gaussian angle
    /// (randn()*2*pi - pi); the block's position is set before its angle (the angle turns the body
    /// about its centre of gravity, which moves the origin); then one physics step.
    /// </summary>
    public void Reset(long seed)
    {
        var rs = new NumpyRandomState(seed);
        double ax = rs.RandInt(50, 450), ay = rs.RandInt(50, 450);
        double bx = rs.RandInt(100, 400), by = rs.RandInt(100, 400);
        double angle = rs.Randn() * 2 * Math.PI - Math.PI;
        ResetToState(ax, ay, bx, by, angle);
    }

    /// <summary>Resets to an explicit raw state (agent x, y, block x, y, angle), as DP's <c>reset_to_state</c>.</summary>
    public void ResetToState(double agentX, double agentY, double blockX, double blockY, double angle)
    {
        foreach (var v in new[] { agentX, agentY, blockX, blockY, angle })
            if (!double.IsFinite(v)) throw new ArgumentException($"Push-T reset state must be finite, got {v}");
        Setup();
        Native.cpBodySetPosition(_agent, new CpVect(agentX, agentY));
        Native.cpBodySetPosition(_block, new CpVect(blockX, blockY));
        Native.cpBodySetAngle(_block, angle);
        Space.Step(Dt);
        LastAction = null;
        NContacts = 0;
        Coverage = PushTCoverage.Compute(BlockPose);
    }

    /// <summary>
    /// Puts the world in a recorded state (agent x, y, block origin x, y, angle), the inverse of <see cref="State"/>:
    /// the angle is set before the position, as DP's non-legacy <c>_set_state</c> does, so the block's origin lands
    /// where the state says (<see cref="ResetToState"/> sets the position first, as the legacy reset does, and the
    /// rotation about the centre of gravity then moves the origin). Used to replay from a recorded frame.
    /// </summary>
    public void RestoreState(double agentX, double agentY, double blockX, double blockY, double angle)
    {
        foreach (var v in new[] { agentX, agentY, blockX, blockY, angle })
            if (!double.IsFinite(v)) throw new ArgumentException($"Push-T state must be finite, got {v}");
        Setup();
        Native.cpBodySetPosition(_agent, new CpVect(agentX, agentY));
        Native.cpBodySetAngle(_block, angle);
        Native.cpBodySetPosition(_block, new CpVect(blockX, blockY));
        Space.Step(Dt);
        LastAction = null;
        NContacts = 0;
        Coverage = PushTCoverage.Compute(BlockPose);
    }

    /// <inheritdoc />
    public StepResult Step(ReadOnlySpan<double> action)
    {
        if (action.Length != 2)
            throw new ArgumentException($"Push-T action must have 2 values (target x, y), got {action.Length}", nameof(action));
        return Step(action[0], action[1]);
    }

    /// <summary>Moves the agent toward target (x, y) for one control step (10 PD substeps).</summary>
    public StepResult Step(double x, double y)
    {
        Validate(x, "x");
        Validate(y, "y");
        StepPhysics(x, y);
        Coverage = PushTCoverage.Compute(BlockPose);
        return new StepResult(Reward, Success);
    }

    /// <summary>The physics of one control step without validation or reward (for benchmarks).</summary>
    internal void StepPhysics(double x, double y)
    {
        var space = Space;
        space.ResetContacts();
        for (int i = 0; i < Substeps; i++)
        {
            var p = Native.cpBodyGetPosition(_agent);
            var v = Native.cpBodyGetVelocity(_agent);
            // Same operation order as pymunk's Vec2d arithmetic in DP's step().
            double accX = Kp * (x - p.X) + Kv * (0 - v.X);
            double accY = Kp * (y - p.Y) + Kv * (0 - v.Y);
            Native.cpBodySetVelocity(_agent, new CpVect(v.X + accX * Dt, v.Y + accY * Dt));
            space.Step(Dt);
        }
        LastAction = (x, y);
        NContacts = (int)Math.Ceiling(space.Contacts / (double)Substeps);
    }

    private static void Validate(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentException($"Push-T action {name} must be finite, got {value}", "action");
        if (Math.Abs(value) > MaxAbsAction)
            throw new ArgumentException($"Push-T action {name} = {value} is out of range (|value| must be <= {MaxAbsAction:G}; the world is 512 pixels wide)", "action");
    }

    /// <summary>Reward for the current pose: clip(coverage / 0.95, 0, 1) (DP's pusht_env.py).</summary>
    public double Reward => Math.Clamp(Coverage / SuccessThreshold, 0, 1);
    /// <summary>Success for the current pose: coverage &gt; 0.95.</summary>
    public bool Success => Coverage > SuccessThreshold;

    public (double X, double Y) AgentPosition { get { var p = Native.cpBodyGetPosition(_agent); return (p.X, p.Y); } }

    /// <summary>Block body origin and raw angle (not wrapped), DP's <c>block_pose</c>.</summary>
    public (double X, double Y, double Angle) BlockPose
    {
        get { var p = Native.cpBodyGetPosition(_block); return (p.X, p.Y, Native.cpBodyGetAngle(_block)); }
    }

    /// <summary>DP's state observation: agent x, y, block x, y, angle mod 2pi.</summary>
    public double[] State()
    {
        var a = AgentPosition;
        var b = BlockPose;
        return [a.X, a.Y, b.X, b.Y, PyMod(b.Angle, 2 * Math.PI)];
    }

    /// <summary>DP's low-dim observation: the 9 block keypoints (x, y) then the agent position.</summary>
    public double[] Keypoints()
    {
        var b = BlockPose;
        var result = new double[20];
        for (int k = 0; k < LocalKeypoints.Length; k++)
        {
            var w = ToWorld(LocalKeypoints[k], b.X, b.Y, b.Angle);
            result[2 * k] = w.X;
            result[2 * k + 1] = w.Y;
        }
        var a = AgentPosition;
        result[18] = a.X;
        result[19] = a.Y;
        return result;
    }

    /// <inheritdoc />
    public void Observe(ObservationKind kind, Span<float> destination)
    {
        int size = Spec.ObservationSizes[kind];
        if (destination.Length != size)
            throw new ArgumentException($"{kind} observation has {size} values, destination has {destination.Length}", nameof(destination));
        switch (kind)
        {
            case ObservationKind.State: Copy(State(), destination); break;
            case ObservationKind.Keypoints: Copy(Keypoints(), destination); break;
            case ObservationKind.Pixels:
                // DP's pipeline (pygame at 512, cv2.resize to 96), as the recorded images were made.
                _renderer ??= new PushTObservationRenderer();
                _pixels ??= new byte[destination.Length];
                _renderer.Render([AgentPosition.X, AgentPosition.Y, BlockPose.X, BlockPose.Y, BlockPose.Angle], _pixels);
                for (int i = 0; i < _pixels.Length; i++) destination[i] = _pixels[i];
                break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static void Copy(double[] source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = (float)source[i];
    }

    public void Dispose()
    {
        _space?.Dispose();
        _space = null;
        _renderer?.Dispose();
        _renderer = null;
    }
}
