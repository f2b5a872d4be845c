using System.Diagnostics;

namespace Mimicry.Evaluation;

/// <summary>
/// Where a report comes from: the git revision (with "-dirty" when tracked files differ from it), the date and the
/// command line. The revision is read once per process (one <c>git</c> call, not one per report line).
/// </summary>
public sealed record Provenance(string GitRevision, string Date, string Command)
{
    /// <summary>The command line of this process, as a user would type it again (set by the CLI at start).</summary>
    public static string CommandLine { get; set; } = "mimicry";

    private static readonly Lazy<string> Revision = new(() => ReadGitRevision());

    /// <summary>This process's revision, now, and its command line.</summary>
    public static Provenance Current() => new(Revision.Value, DateTime.UtcNow.ToString("u"), CommandLine);

    /// <summary>The revision of the working tree at <paramref name="dir"/> (default: the current folder), read now.</summary>
    public static string ReadGitRevision(string? dir = null)
    {
        try
        {
            var psi = new ProcessStartInfo("git", ["rev-parse", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir ?? Directory.GetCurrentDirectory() };
            using var p = Process.Start(psi)!;
            string rev = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            if (p.ExitCode != 0 || rev.Length == 0) return "unknown";
            psi.ArgumentList.Clear();
            psi.ArgumentList.Add("status");
            psi.ArgumentList.Add("--porcelain");
            psi.ArgumentList.Add("--untracked-files=no");
            using var s = Process.Start(psi)!;
            bool dirty = s.StandardOutput.ReadToEnd().Trim().Length > 0;
            s.WaitForExit();
            return dirty ? rev + "-dirty" : rev;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return "unknown"; }
    }
}
