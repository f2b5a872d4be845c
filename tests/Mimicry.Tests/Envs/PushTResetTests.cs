using System.Globalization;
using Mimicry.Envs;
using Mimicry.Envs.PushT;

namespace Mimicry.Tests.Envs;

public class PushTResetTests
{
    public static IEnumerable<object[]> ReferenceRows() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pusht-reset-seeds-0-5.csv"))
            .Skip(1)
            .Select(l => l.Split(',').Select(v => (object)double.Parse(v, CultureInfo.InvariantCulture)).ToArray());

    [Theory]
    [MemberData(nameof(ReferenceRows))]
    public void Reset_matches_the_original_environment(double seed, double rax, double ray, double rbx, double rby, double rangle,
        double ax, double ay, double bx, double by, double angle)
    {
        // The raw draws of numpy's legacy RandomState, in DP's reset order.
        var rs = new NumpyRandomState((long)seed);
        Assert.Equal(rax, rs.RandInt(50, 450));
        Assert.Equal(ray, rs.RandInt(50, 450));
        Assert.Equal(rbx, rs.RandInt(100, 400));
        Assert.Equal(rby, rs.RandInt(100, 400));
        Assert.Equal(rangle, rs.Randn() * 2 * Math.PI - Math.PI, 12);

        using var env = new PushTEnv();
        env.Reset((long)seed);
        var s = env.State();
        double[] expected = [ax, ay, bx, by, angle];
        for (int i = 0; i < 5; i++)
            Assert.True(Math.Abs(s[i] - expected[i]) <= 1e-9, $"seed {seed} state[{i}] = {s[i]:R}, expected {expected[i]:R}");
    }
}
