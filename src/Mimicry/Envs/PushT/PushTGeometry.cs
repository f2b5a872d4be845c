namespace Mimicry.Envs.PushT;

/// <summary>
/// The constants of Push-T, exactly as in the Diffusion Policy code
/// (real-stanford/diffusion_policy, diffusion_policy/env/pusht/pusht_env.py, and its keypoint manager).
/// World units are pixels of a 512x512 window, y pointing down.
/// </summary>
public static class PushTGeometry
{
    public const double WindowSize = 512;
    public const int SimHz = 100, ControlHz = 10;
    public const int Substeps = SimHz / ControlHz;
    public const double Dt = 1.0 / SimHz;
    /// <summary>PD gains of the agent's velocity controller: a = Kp (target - p) + Kv (0 - v).</summary>
    public const double Kp = 100, Kv = 20;
    public const double SuccessThreshold = 0.95;
    public const double AgentRadius = 15;
    public const double WallRadius = 2;

    /// <summary>The four wall segments on the static body, in add order.</summary>
    public static readonly (double X, double Y)[][] Walls =
    [
        [(5, 506), (5, 5)],
        [(5, 5), (506, 5)],
        [(506, 5), (506, 506)],
        [(5, 506), (506, 506)],
    ];

    public static readonly (double X, double Y) AgentStart = (256, 400);
    public static readonly (double X, double Y) BlockStart = (256, 300);

    /// <summary>The T's bar, body-local (scale 30, length 4): (-60,30),(60,30),(60,0),(-60,0).</summary>
    public static readonly (double X, double Y)[] Bar = [(-60, 30), (60, 30), (60, 0), (-60, 0)];

    /// <summary>The T's stem, body-local: (-15,30),(-15,120),(15,120),(15,30).</summary>
    public static readonly (double X, double Y)[] Stem = [(-15, 30), (-15, 120), (15, 120), (15, 30)];

    /// <summary>Centre of gravity: the mean of the two shapes' centroids, (0,15) and (0,75).</summary>
    public static readonly (double X, double Y) CenterOfGravity = (0, 45);

    /// <summary>Goal pose of the block's body origin: x, y, angle.</summary>
    public static readonly (double X, double Y, double Angle) GoalPose = (256, 256, Math.PI / 4);

    /// <summary>Total area of the T: 120x30 + 30x90.</summary>
    public const double TArea = 6300;

    /// <summary>
    /// The 9 block-local keypoints of DP's low-dim Push-T (recovered from the demonstrations'
    /// <c>keypoint</c> array); global keypoint = R(angle) kp + block position.
    /// </summary>
    public static readonly (double X, double Y)[] LocalKeypoints =
    [
        (9.2698, 90.0410), (-60.9835, -1.1867), (60.9128, -1.3934),
        (-0.2705, 25.5436), (-14.0649, 122.8159), (39.0027, 32.8574),
        (-39.9664, 32.7297), (-16.8243, 62.8632), (23.5415, -1.7003),
    ];

    /// <summary>Body-local point to world: R(angle) p + origin (pymunk's <c>local_to_world</c>).</summary>
    public static (double X, double Y) ToWorld((double X, double Y) p, double x, double y, double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return (c * p.X - s * p.Y + x, s * p.X + c * p.Y + y);
    }

    /// <summary>Python's float modulo (result has the sign of the divisor), as in <c>angle % (2*pi)</c>.</summary>
    public static double PyMod(double a, double b)
    {
        double mod = a % b; // C fmod
        if (mod != 0) { if ((b < 0) != (mod < 0)) mod += b; }
        else mod = Math.CopySign(0.0, b);
        return mod;
    }
}
