using System.Diagnostics;
using Mimicry.Data;
using Mimicry.Envs;
using Mimicry.Envs.PushT;

namespace Mimicry.Tests.Envs;

public class PushTEnvTests
{
    [Fact]
    public void Coverage_is_one_at_the_goal_and_zero_when_disjoint()
    {
        var g = PushTGeometry.GoalPose;
        Assert.Equal(1.0, PushTCoverage.Compute((g.X, g.Y, g.Angle)), 12);
        Assert.Equal(1.0, PushTCoverage.Compute((g.X, g.Y, g.Angle + 2 * Math.PI)), 12);
        Assert.Equal(0.0, PushTCoverage.Compute((100, 450, 0)));
        Assert.Equal(0.0, PushTCoverage.Compute((-1000, -1000, 1.0)));
    }

    [Fact]
    public void Coverage_matches_hand_computed_overlaps()
    {
        // Goal turned to angle 0 for hand computation: compare T at (256,256,0) with shifted copies.
        // A shift by dx along x: the bar (120 wide) overlaps (120-dx)*30, the stem (30 wide) (30-dx)*90
        // for dx < 30; the bar also overlaps the other T's stem where they meet. We check it against
        // an independent rectangle-overlap computation of all four piece pairs.
        foreach (double dx in new[] { 0.0, 5, 12.5, 29, 45, 100, 119 })
        {
            double expected = RectOverlapT(dx, 0) / 6300;
            double actual = CoverageAtAngleZero(256 + dx, 256);
            Assert.Equal(expected, actual, 10);
        }
        foreach (double dy in new[] { 3.0, 20, 31, 60, 119 })
            Assert.Equal(RectOverlapT(0, dy) / 6300, CoverageAtAngleZero(256, 256 + dy), 10);
    }

    [Fact]
    public void Coverage_is_symmetric_under_mirroring_about_the_goal_axis()
    {
        // The T is symmetric about its stem axis: a shift by +d and -d perpendicular to that axis
        // gives the same coverage, and so do equal rotations either way about the goal's symmetry axis point.
        var g = PushTGeometry.GoalPose;
        double ux = Math.Cos(g.Angle), uy = Math.Sin(g.Angle); // the bar's direction at the goal
        foreach (double d in new[] { 3.0, 10, 25 })
        {
            double plus = PushTCoverage.Compute((g.X + d * ux, g.Y + d * uy, g.Angle));
            double minus = PushTCoverage.Compute((g.X - d * ux, g.Y - d * uy, g.Angle));
            Assert.Equal(plus, minus, 10);
            Assert.True(plus < 1 && plus > 0);
        }
    }

    private static double CoverageAtAngleZero(double x, double y)
    {
        var goal = PushTCoverage.Place(256, 256, 0);
        var block = PushTCoverage.Place(x, y, 0);
        return goal.Sum(a => block.Sum(b => a.Intersection(b).Area)) / 6300;
    }

    /// <summary>Overlap of two axis-aligned Ts offset by (dx, dy), from the rectangles' extents.</summary>
    private static double RectOverlapT(double dx, double dy)
    {
        (double x0, double y0, double x1, double y1)[] t = [(-60, 0, 60, 30), (-15, 30, 15, 120)];
        double total = 0;
        foreach (var a in t)
            foreach (var b in t)
            {
                double w = Math.Min(a.x1, b.x1 + dx) - Math.Max(a.x0, b.x0 + dx);
                double h = Math.Min(a.y1, b.y1 + dy) - Math.Max(a.y0, b.y0 + dy);
                if (w > 0 && h > 0) total += w * h;
            }
        return total;
    }

    [Theory]
    [InlineData(double.NaN, 10.0)]
    [InlineData(10.0, double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity, 10.0)]
    [InlineData(1e300, 10.0)]
    public void Bad_actions_are_rejected_before_reaching_chipmunk(double x, double y)
    {
        using var env = new PushTEnv();
        env.Reset(0);
        var before = env.State();
        var e = Assert.Throws<ArgumentException>(() => env.Step([x, y]));
        Assert.Contains(!double.IsFinite(x) || Math.Abs(x) > 1e6 ? x.ToString() : y.ToString(), e.Message);
        Assert.Equal(before, env.State()); // nothing moved
        env.Step([256, 256]); // and the environment still works
    }

    [Fact]
    public void Wrong_action_length_is_rejected()
    {
        using var env = new PushTEnv();
        env.Reset(0);
        Assert.Throws<ArgumentException>(() => env.Step([1.0, 2.0, 3.0]));
        Assert.Throws<ArgumentException>(() => env.Step(ReadOnlySpan<double>.Empty));
    }

    [Fact]
    public void Finite_targets_outside_the_world_pass_through_unclipped()
    {
        using var env = new PushTEnv();
        env.Reset(1);
        for (int i = 0; i < 30; i++) env.Step(700, -100);
        var p = env.AgentPosition;
        Assert.True(p.X > 600 && p.Y < 0, $"agent at {p}"); // the kinematic agent passes through walls, as in the original
    }

    [Fact]
    public void Observations_have_the_published_layout()
    {
        using var env = new PushTEnv();
        env.Reset(3);
        var state = new float[5];
        var kp = new float[20];
        var px = new float[96 * 96 * 3];
        env.Observe(ObservationKind.State, state);
        env.Observe(ObservationKind.Keypoints, kp);
        env.Observe(ObservationKind.Pixels, px);
        // Seed 3 of the original environment (pusht-reset-seeds-0-5.csv): agent at (412, 202), block angle 3.7479 (mod 2π).
        Assert.Equal([412f, 202f], kp[18..20]);
        Assert.Equal(3.747904127159869, state[4], 5);
        // The agent is a royal blue (65, 105, 225) disc with a lighter one inside, light_color = 1.2x capped at 255: (78, 126, 255)
        // (DP's pymunk_override.draw_circle), at its position scaled from 512 to 96 pixels.
        int col = (int)(412 * 96 / 512.0), row = (int)(202 * 96 / 512.0), at = (row * 96 + col) * 3;
        Assert.Equal([78f, 126f, 255f], px[at..(at + 3)]);
    }

    [Fact]
    public void Keypoints_match_the_dataset()
    {
        var demos = PushTReplayBuffer.Load(TestData.BundledPushT);
        using var env = new PushTEnv();
        env.Reset(0);
        var kp = env.Keypoints();
        for (int k = 0; k < 18; k++) Assert.Equal(demos.Keypoint[k], kp[k], 1e-3);
    }

    [Fact]
    public void First_demonstrations_replay_within_tolerance()
    {
        var demos = PushTReplayBuffer.Load(TestData.BundledPushT);
        using var env = new PushTEnv();
        foreach (int e in new[] { 0, 1, 105, 205 })
        {
            var r = PushTReplay.Replay(demos, e, env);
            Assert.True(r.MaxStateError < 1e-3, $"episode {e}: {r.MaxStateError}");
        }
    }

    [Fact]
    public void Contacts_are_counted_when_the_agent_pushes_the_block()
    {
        using var env = new PushTEnv();
        env.ResetToState(256, 420, 256, 300, 0); // agent just below the stem
        int total = 0;
        for (int i = 0; i < 10; i++) { env.Step(256, 300); total += env.NContacts; }
        Assert.True(total > 0);
        env.ResetToState(50, 50, 256, 300, 0);
        env.Step(60, 60);
        Assert.Equal(0, env.NContacts);
    }

    [Fact]
    public void Vector_env_equals_stepping_one_by_one()
    {
        long[] seeds = [100000, 100001, 100002, 100003, 100004, 100005];
        var rng = new Random(7);
        var actions = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, seeds.Length * 2).Select(_ => 50 + rng.NextDouble() * 400).ToArray()).ToList();

        using var vec = new VectorEnv(() => new PushTEnv(), seeds.Length, maxThreads: 4);
        vec.Reset(seeds);
        var parallelStates = new List<float[]>();
        var parallelRewards = new List<double[]>();
        foreach (var a in actions)
        {
            var r = vec.Step(a);
            var obs = new float[seeds.Length * 5];
            vec.Observe(ObservationKind.State, obs);
            parallelStates.Add(obs);
            parallelRewards.Add(r.Select(x => x.Reward).ToArray());
        }

        for (int i = 0; i < seeds.Length; i++)
        {
            using var env = new PushTEnv();
            env.Reset(seeds[i]);
            for (int t = 0; t < actions.Count; t++)
            {
                var r = env.Step(actions[t].AsSpan(i * 2, 2));
                var s = new float[5];
                env.Observe(ObservationKind.State, s);
                Assert.Equal(s, parallelStates[t].AsSpan(i * 5, 5).ToArray());
                Assert.Equal(r.Reward, parallelRewards[t][i]);
            }
        }
    }
}
