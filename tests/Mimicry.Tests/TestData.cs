namespace Mimicry.Tests;

/// <summary>Paths of data the tests use: fixtures copied next to the test assembly, and the repository's bundled data.</summary>
internal static class TestData
{
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Mimicry.slnx"))) return dir.FullName;
            throw new DirectoryNotFoundException("repository root (Mimicry.slnx) not found above the test assembly");
        }
    }

    public static string BundledPushT => Path.Combine(RepoRoot, "data", "pusht", "pusht_cchi_v7_replay.zarr");
}
