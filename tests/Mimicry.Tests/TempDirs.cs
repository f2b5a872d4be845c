namespace Mimicry.Tests;

/// <summary>Fresh folder names under the system temp folder, and clean-up that never hides a test's own failure.</summary>
internal static class TempDirs
{
    public static string New(string prefix = "test") => Path.Combine(Path.GetTempPath(), $"mimicry-{prefix}-{Guid.NewGuid():N}");

    /// <summary>Deletes the folders that exist (a failed test may not have made them; throwing here would mask its failure).</summary>
    public static void Delete(params string[] dirs)
    {
        foreach (var dir in dirs)
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }
}
