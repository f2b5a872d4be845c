using Mimicry.Tests.Cli;
using Mimicry.Tests.Envs;

namespace Mimicry.Tests.Reliability;

/// <summary>
/// Mutated copies of a small dataset and checkpoint (a flipped byte, a truncation, random bytes, a deleted
/// or grown file; seeded) fed to <c>dataset info</c>, <c>train</c>, <c>eval</c> and <c>train --resume</c>:
/// each must exit non-zero with one line naming the file, no stack trace, and leave its inputs unchanged.
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public class FuzzTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    private static string Snapshot(string dir) => ReliabilityTests.Snapshot(dir);

    /// <summary>Applies mutation <paramref name="kind"/> to a file; returns a description for failure messages.</summary>
    private static string Mutate(string file, int kind, Random rng)
    {
        var bytes = File.ReadAllBytes(file);
        switch (kind)
        {
            case 0: // one flipped bit
                int at = rng.Next(bytes.Length);
                bytes[at] ^= (byte)(1 << rng.Next(8));
                File.WriteAllBytes(file, bytes);
                return $"bit flipped at byte {at}";
            case 1: // truncated
                int keep = rng.Next(bytes.Length);
                File.WriteAllBytes(file, bytes[..keep]);
                return $"truncated to {keep} bytes";
            case 2: // replaced by random bytes of the same length
                rng.NextBytes(bytes);
                File.WriteAllBytes(file, bytes);
                return "random bytes";
            case 3: // grown
                File.WriteAllBytes(file, [.. bytes, .. new byte[] { 0, 1, 2, 3 }]);
                return "4 bytes appended";
            default:
                File.Delete(file);
                return "deleted";
        }
    }

    private static void AssertCleanFailure((int Code, string Out, string Err) r, string what, string mentions)
    {
        Assert.True(r.Code != 0, $"{what}: exit 0");
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:")).ToList();
        Assert.True(lines.Count == 1, $"{what}: {r.Err}");
        Assert.DoesNotContain("   at ", r.Err);
        Assert.True(lines[0].Contains(mentions), $"{what}: the error does not name {mentions}: {lines[0]}");
    }

    [Fact]
    public void Mutated_datasets_and_checkpoints_fail_cleanly_and_stay_as_they_were()
    {
        string root = TempDirs.New("fuzz");
        try
        {
            string data = Path.Combine(root, "data"), run = Path.Combine(root, "run");
            Assert.Equal(0, Run("dataset", "generate", data, "--task", "fork", "--episodes", "6").Code);
            var trained = Run("train", "bc", "--dataset", data, "--out", run, "--steps", "2", "--set", "train.threads=1", "--set", "policy.hidden_dims=[16]");
            Assert.True(trained.Code == 0, trained.Err);
            var rng = new Random(20261201);
            var dataFiles = Directory.GetFiles(data, "*", SearchOption.AllDirectories).Order().ToArray();
            var checkpointFiles = Directory.GetFiles(Path.Combine(run, "checkpoint"), "*", SearchOption.AllDirectories).Order().ToArray();
            for (int i = 0; i < 14; i++)
            {
                string copy = Path.Combine(root, $"d{i}");
                ReliabilityTests.CopyDirectory(data, copy);
                string file = Path.Combine(copy, Path.GetRelativePath(data, dataFiles[rng.Next(dataFiles.Length)]));
                int kind = rng.Next(5);
                if (kind == 4 && file.EndsWith("checksums.json")) kind = 0; // without its checksums a dataset is simply unchecked
                string what = $"dataset {Path.GetRelativePath(copy, file)} {Mutate(file, kind, rng)}";
                string before = Snapshot(copy);
                AssertCleanFailure(Run("dataset", "info", copy), what + " / dataset info", copy);
                AssertCleanFailure(Run("train", "bc", "--dataset", copy, "--out", Path.Combine(root, $"r{i}"), "--steps", "1", "--set", "train.threads=1"), what + " / train", copy);
                Assert.False(Directory.Exists(Path.Combine(root, $"r{i}")), what);
                Assert.True(before == Snapshot(copy), $"{what}: the command changed its input");
            }
            for (int i = 0; i < 14; i++)
            {
                string copy = Path.Combine(root, $"c{i}");
                ReliabilityTests.CopyDirectory(run, copy);
                string file = Path.Combine(copy, "checkpoint", Path.GetRelativePath(Path.Combine(run, "checkpoint"), checkpointFiles[rng.Next(checkpointFiles.Length)]));
                int kind = rng.Next(5);
                if (kind == 4 && file.EndsWith("checksums.json")) kind = 1;
                string what = $"checkpoint {Path.GetRelativePath(copy, file)} {Mutate(file, kind, rng)}";
                string before = Snapshot(copy);
                if (!file.Contains($"{Path.DirectorySeparatorChar}training{Path.DirectorySeparatorChar}")) // eval reads the acting files
                    AssertCleanFailure(Run("eval", copy, "--episodes", "1", "--max-steps", "2", "--out", Path.Combine(root, $"e{i}")), what + " / eval", copy);
                AssertCleanFailure(Run("train", "bc", "--out", copy, "--steps", "3", "--resume"), what + " / train --resume", copy);
                Assert.True(before == Snapshot(copy), $"{what}: the command changed its input");
            }
        }
        finally { TempDirs.Delete(root); }
    }
}
