using Mimicry.Data;
using Mimicry.Data.Zarr;
using Mimicry.Envs.PushT;

namespace Mimicry.Tests.Data;

public class ZarrTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "codecs.zarr", name);

    [Fact]
    public void Bitshuffle_zstd_float32_with_a_partial_last_chunk()
    {
        var a = ZarrArray.Open(Fixture("bitshuffle_zstd_f4"));
        Assert.Equal(new long[] { 40, 3 }, a.Shape);
        var v = a.ReadFloat32();
        for (int i = 0; i < 40; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal((i * 3 + j) * 0.25f - 7, v[i * 3 + j]);
    }

    [Fact]
    public void Byteshuffle_lz4_float64_split_blocks()
    {
        var v = ZarrArray.Open(Fixture("byteshuffle_lz4_f8")).ReadFloat32();
        for (int k = 0; k < 2000; k++) Assert.Equal(k * 0.5f - 300, v[k]);
    }

    [Fact]
    public void Bitshuffle_lz4_int64_split_blocks()
    {
        var v = ZarrArray.Open(Fixture("bitshuffle_lz4_i8")).ReadInt64();
        for (int k = 0; k < 2000; k++) Assert.Equal(k * 7L - 5000, v[k]);
    }

    [Fact]
    public void Zlib_uint8_chunked_along_two_axes()
    {
        var v = ZarrArray.Open(Fixture("noshuffle_zlib_u1_2d")).ReadFloat32();
        for (int a = 0; a < 20; a++)
            for (int b = 0; b < 4; b++)
                Assert.Equal((a * 4 + b) % 251, v[a * 4 + b]);
    }

    [Fact]
    public void Uncompressed_and_plain_zstd()
    {
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 3L), ZarrArray.Open(Fixture("raw_i8")).ReadInt64());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i - 25L), ZarrArray.Open(Fixture("zstd_i4")).ReadInt64());
    }

    [Fact]
    public void Rows_can_be_read_in_part()
    {
        var v = ZarrArray.Open(Fixture("bitshuffle_zstd_f4")).ReadFloat32Rows(14, 5); // spans chunks 0 and 1
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(((i + 14) * 3 + j) * 0.25f - 7, v[i * 3 + j]);
    }

    [Fact]
    public void Truncated_chunk_names_array_and_chunk()
    {
        string dir = TempDirs.New("zarr");
        CopyDirectory(Fixture("bitshuffle_zstd_f4"), dir);
        try
        {
            var chunk = Path.Combine(dir, "1.0");
            var bytes = File.ReadAllBytes(chunk);
            File.WriteAllBytes(chunk, bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<InvalidDataException>(() => ZarrArray.Open(dir).ReadFloat32());
            Assert.Contains("chunk '1.0'", e.Message);
            Assert.Contains(dir, e.Message);

            bytes[bytes.Length - 3] ^= 0xFF; // corrupt the zstd payload, keep the length
            File.WriteAllBytes(chunk, bytes);
            var e2 = Assert.ThrowsAny<Exception>(() => ZarrArray.Open(dir).ReadFloat32());
            Assert.Contains("chunk '1.0'", e2.Message);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Bundled_pusht_demonstrations_match_numpy()
    {
        // Sums of |x| computed by python3-zarr 2.13 on the original store.
        var demos = PushTReplayBuffer.Load(TestData.BundledPushT);
        Assert.Equal(206, demos.Episodes);
        Assert.Equal(25650, demos.Steps);
        Assert.Equal(13395167.0, demos.Action.Sum(x => (double)Math.Abs(x)), 1.0);
        Assert.Equal(26755518.0, demos.State.Sum(x => (double)Math.Abs(x)), 26755518.0 * 1e-6);
        Assert.Equal(120324928.0, demos.Keypoint.Sum(x => (double)Math.Abs(x)), 120324928.0 * 1e-6);
        Assert.Equal(12583.0, demos.NContacts.Sum(x => (double)x), 0);
        Assert.Equal(2612905L, demos.EpisodeEnds.Sum());
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}
