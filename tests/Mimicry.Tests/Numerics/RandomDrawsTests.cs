using Mimicry.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests.Numerics;

public class RandomDrawsTests
{
    /// <summary>
    /// TorchSharp's generators are all CPU generators; libtorch refuses one for a draw on another device
    /// ("Expected a 'cuda' device type for generator but found 'cpu'" on a GPU). The meta device does not run
    /// that check (the source test below is what fails on the old code without a GPU); here: a draw lands on
    /// the device asked for, with its shape and type.
    /// </summary>
    [Fact]
    public void A_seeded_draw_works_on_a_device_that_is_not_the_generators()
    {
        using var g = RandomDraws.Seeded(3);
        using var normal = RandomDraws.Normal([2, 3], g, META);
        using var uniform = RandomDraws.Uniform([4], g, META);
        using var ints = RandomDraws.Integers(0, 10, [5], g, META);
        Assert.Equal(DeviceType.META, normal.device.type);
        Assert.Equal(DeviceType.META, uniform.device.type);
        Assert.Equal([5L], ints.shape);
        Assert.Equal(ScalarType.Int64, ints.dtype);
    }

    [Fact]
    public void The_same_seed_draws_the_same_numbers_whatever_device_is_asked()
    {
        using var g1 = RandomDraws.Seeded(7);
        using var g2 = RandomDraws.Seeded(7);
        using var reference = torch.randn([3, 4], generator: g1);
        using var drawn = RandomDraws.Normal([3, 4], g2, CPU);
        Assert.True(torch.equal(reference, drawn).all().item<bool>());
        // The draw on another device consumes the generator as a CPU draw does: the next numbers agree too.
        using var onMeta = RandomDraws.Normal([3, 4], g1, META);
        using var skipped = RandomDraws.Normal([3, 4], g2, CPU);
        using var a = RandomDraws.Uniform([6], g1, CPU);
        using var b = RandomDraws.Uniform([6], g2, CPU);
        Assert.True(torch.equal(a, b).all().item<bool>());
    }

    /// <summary>Every seeded draw in the library goes through <see cref="RandomDraws"/>: a torch call given a generator elsewhere breaks on CUDA.</summary>
    [Fact]
    public void No_library_code_hands_a_generator_to_torch_directly()
    {
        string src = Path.Combine(TestData.RepoRoot, "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.EndsWith(Path.Combine("Numerics", "RandomDraws.cs")))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => x.line.Contains("generator:") && !x.line.TrimStart().StartsWith("//"))
            .Select(x => $"{Path.GetRelativePath(src, x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }
}
