using Mimicry.Envs;
using Mimicry.Numerics;

namespace Mimicry.Tests.Envs;

/// <summary>Golden values from numpy 1.24.2's legacy RandomState (Debian 12 python3-numpy):
/// <c>rs = np.random.RandomState(seed); [rs.randint(50,450), rs.randint(50,450), rs.randint(100,400),
/// rs.randint(100,400), rs.randn()*2*np.pi-np.pi, rs.randn(), rs.randn(), rs.randint(0, 2**40), rs.random_sample()]</c>.</summary>
public class NumpyRandomStateTests
{
    [Theory]
    [InlineData(100000L, 235, 124, 335, 128, -0.9049274284249247, -1.631511830850299, 0.7089391619815019, 1073362692539L, 0.09916799248131736)]
    [InlineData(100049L, 143, 388, 104, 324, -13.41298796393892, -0.6034202575081471, 0.8957261018109187, 1027206981536L, 0.6870315948436305)]
    [InlineData(4294967295L, 340, 62, 171, 164, -2.6307466406555617, 0.4096851233481656, 0.31595808265170017, 63468191141L, 0.32420043998445336)]
    [InlineData(12345L, 335, 179, 134, 129, -3.451497110461592, 0.5911299145889855, -0.20009922025819843, 510017551568L, 0.8923437294461335)]
    public void Matches_numpy_bit_for_bit(long seed, long a, long b, long c, long d, double angle, double n1, double n2, long big, double u)
    {
        var rs = new NumpyRandomState(seed);
        Assert.Equal(a, rs.RandInt(50, 450));
        Assert.Equal(b, rs.RandInt(50, 450));
        Assert.Equal(c, rs.RandInt(100, 400));
        Assert.Equal(d, rs.RandInt(100, 400));
        Assert.Equal(angle, rs.Randn() * 2 * Math.PI - Math.PI);
        Assert.Equal(n1, rs.Randn()); // the cached second value of the polar pair
        Assert.Equal(n2, rs.Randn());
        Assert.Equal(big, rs.RandInt(0, 1L << 40));
        Assert.Equal(u, rs.NextDouble());
    }

    [Fact]
    public void Array_seed_uses_init_by_array()
    {
        // np.random.RandomState([1, 2, 3, 4000000000]): randint(0,1000), randn() x3
        var rs = new NumpyRandomState(new uint[] { 1, 2, 3, 4000000000 });
        Assert.Equal(83, rs.RandInt(0, 1000));
        Assert.Equal(0.5682656166741258, rs.Randn());
        Assert.Equal(-1.5839983357304062, rs.Randn());
        Assert.Equal(-1.1951196817399072, rs.Randn());
    }

    [Fact]
    public void Seed_out_of_range_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumpyRandomState(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumpyRandomState(1L << 32));
    }
}
