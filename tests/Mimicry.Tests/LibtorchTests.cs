using Mimicry.Runtime;
namespace Mimicry.Tests;

/// <summary>Bring your own libtorch: the test build bundles TorchSharp-cpu's, so a second one must be refused before anything loads.</summary>
public class LibtorchTests
{
    private static T WithVariable<T>(string? value, Func<T> body)
    {
        string? before = Environment.GetEnvironmentVariable(Libtorch.Variable);
        Environment.SetEnvironmentVariable(Libtorch.Variable, value);
        try { return body(); }
        finally { Environment.SetEnvironmentVariable(Libtorch.Variable, before); }
    }

    [Fact]
    public void A_folder_without_libtorch_is_named_in_one_line()
    {
        var e = WithVariable("/nonexistent/torch/lib", () => Assert.Throws<ArgumentException>(Libtorch.Configure));
        Assert.Contains("MIMICRY_LIBTORCH=/nonexistent/torch/lib", e.Message);
        Assert.Contains("libtorch_cpu.so", e.Message);
        Assert.Null(Libtorch.Chosen);
    }

    [Fact]
    public void A_second_libtorch_beside_the_bundled_one_is_refused()
    {
        Assert.True(Libtorch.Bundled, "the test build carries TorchSharp-cpu's libtorch");
        string dir = TempDirs.New("libtorch");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "libtorch_cpu.so"), []); // never loaded: refused first
        try
        {
            var e = WithVariable(dir, () => Assert.Throws<ArgumentException>(Libtorch.Configure));
            Assert.Contains("bundles its own libtorch", e.Message);
            Assert.Null(Libtorch.Chosen);
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Doctor_says_why_cuda_is_unavailable_on_a_cpu_build()
    {
        var lines = WithVariable(null, Doctor.Check);
        var cuda = lines.Single(l => l.What == "cuda");
        Assert.False(cuda.Ok);
        Assert.Contains("TorchSharp-cpu", cuda.Found);
        Assert.Contains(Libtorch.Variable, cuda.Found);
        Assert.True(lines.Single(l => l.What.StartsWith("chipmunk")).Ok, "scripts/test.sh installs libchipmunk7");
        Assert.EndsWith("libtorch_cpu.so", lines.Single(l => l.What == "libtorch loaded from").Found);
    }
}
