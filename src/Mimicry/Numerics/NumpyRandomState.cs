namespace Mimicry.Numerics;

/// <summary>
/// A bit-exact port of numpy's legacy <c>numpy.random.RandomState</c> (MT19937), enough to reproduce
/// the Diffusion Policy environments' resets: <see cref="RandInt"/> (masked rejection sampling, as
/// <c>RandomState.randint</c> does) and <see cref="Randn"/> (the polar Box-Muller method with the
/// cached second value, <c>legacy_gauss</c>).
/// Follows numpy/random/src/mt19937/mt19937.c, numpy/random/_mt19937.pyx (_legacy_seeding),
/// numpy/random/src/distributions/distributions.c (random_bounded_uint64, buffered_bounded_masked_uint32)
/// and numpy/random/src/legacy/legacy-distributions.c (legacy_gauss, legacy_double).
/// </summary>
public sealed class NumpyRandomState
{
    private const int N = 624, M = 397;
    private const uint MatrixA = 0x9908b0df, UpperMask = 0x80000000, LowerMask = 0x7fffffff;

    private readonly uint[] _key = new uint[N];
    private int _pos;
    private bool _hasGauss;
    private double _gauss;

    /// <summary><c>RandomState(seed)</c> for an integer seed in [0, 2^32 - 1]: <c>mt19937_seed</c>.</summary>
    public NumpyRandomState(long seed)
    {
        if (seed < 0 || seed > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(seed), seed, "Seed must be between 0 and 2**32 - 1");
        Seed((uint)seed);
    }

    /// <summary><c>RandomState(array)</c>: <c>mt19937_init_by_array</c>.</summary>
    public NumpyRandomState(ReadOnlySpan<uint> key)
    {
        if (key.Length == 0) throw new ArgumentException("Seed must be non-empty", nameof(key));
        Seed(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            _key[i] = (_key[i] ^ ((_key[i - 1] ^ (_key[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j; // non-linear
            i++; j++;
            if (i >= N) { _key[0] = _key[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _key[i] = (_key[i] ^ ((_key[i - 1] ^ (_key[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { _key[0] = _key[N - 1]; i = 1; }
        }
        _key[0] = 0x80000000u; // MSB is 1, assuring a non-zero initial array
        _hasGauss = false; _gauss = 0;
    }

    private void Seed(uint seed)
    {
        for (int pos = 0; pos < N; pos++)
        {
            _key[pos] = seed;
            seed = 1812433253u * (seed ^ (seed >> 30)) + (uint)pos + 1;
        }
        _pos = N;
        _hasGauss = false; _gauss = 0;
    }

    private void Generate()
    {
        uint y;
        int i;
        for (i = 0; i < N - M; i++)
        {
            y = (_key[i] & UpperMask) | (_key[i + 1] & LowerMask);
            _key[i] = _key[i + M] ^ (y >> 1) ^ ((uint)-(int)(y & 1) & MatrixA);
        }
        for (; i < N - 1; i++)
        {
            y = (_key[i] & UpperMask) | (_key[i + 1] & LowerMask);
            _key[i] = _key[i + (M - N)] ^ (y >> 1) ^ ((uint)-(int)(y & 1) & MatrixA);
        }
        y = (_key[N - 1] & UpperMask) | (_key[0] & LowerMask);
        _key[N - 1] = _key[M - 1] ^ (y >> 1) ^ ((uint)-(int)(y & 1) & MatrixA);
        _pos = 0;
    }

    /// <summary>The full generator state (to save with a checkpoint and restore exactly).</summary>
    public sealed record Snapshot(uint[] Key, int Pos, bool HasGauss, double Gauss);

    public Snapshot Save() => new((uint[])_key.Clone(), _pos, _hasGauss, _gauss);

    public void Restore(Snapshot s)
    {
        if (s.Key.Length != N || s.Pos < 0 || s.Pos > N) throw new ArgumentException("not an MT19937 state");
        s.Key.CopyTo(_key, 0);
        _pos = s.Pos; _hasGauss = s.HasGauss; _gauss = s.Gauss;
    }

    /// <summary>The next raw 32-bit output (<c>genrand_int32</c>).</summary>
    public uint NextUInt32()
    {
        if (_pos == N) Generate();
        uint y = _key[_pos++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary><c>random_sample()</c>: a double in [0, 1) with 53 random bits (<c>genrand_res53</c>).</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /// <summary><c>randint(low, high)</c>: an integer in [low, high), numpy's default int64 path.</summary>
    public long RandInt(long low, long high)
    {
        if (high <= low) throw new ArgumentException($"low >= high ({low} >= {high})");
        ulong rng = (ulong)(high - 1 - low);
        if (rng == 0) return low;
        if (rng <= uint.MaxValue)
        {
            if (rng == uint.MaxValue) return low + NextUInt32();
            uint mask = (uint)Mask(rng);
            uint val;
            while ((val = NextUInt32() & mask) > rng) { }
            return low + val;
        }
        ulong mask64 = Mask(rng), v;
        while ((v = (((ulong)NextUInt32() << 32) | NextUInt32()) & mask64) > rng) { }
        return low + (long)v;
    }

    /// <summary>
    /// A seeded Fisher–Yates shuffle in place, drawing j = randint(0, i + 1) for i from the end (the
    /// one shuffle Mimicry uses, for episode splits and batch order; not numpy's own <c>shuffle</c>).
    /// </summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)RandInt(0, i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary><c>randn()</c>: a standard normal by the polar method; every second call returns the cached value.</summary>
    public double Randn()
    {
        if (_hasGauss)
        {
            double cached = _gauss;
            _hasGauss = false; _gauss = 0;
            return cached;
        }
        double x1, x2, r2;
        do
        {
            x1 = 2.0 * NextDouble() - 1.0;
            x2 = 2.0 * NextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        } while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _gauss = f * x1;
        _hasGauss = true;
        return f * x2;
    }

    /// <summary>The smallest all-ones bit mask that covers <paramref name="max"/>.</summary>
    private static ulong Mask(ulong max)
    {
        ulong mask = max;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4;
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32;
        return mask;
    }
}
