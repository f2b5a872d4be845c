using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mimicry.Runtime;

/// <summary>
/// Which libtorch this process runs on. Mimicry ships TorchSharp-cpu's libtorch; for a GPU it can run on the
/// libtorch of a PyTorch install instead ("bring your own libtorch": no multi-GB TorchSharp CUDA package):
/// <c>MIMICRY_LIBTORCH=DIR</c> (a folder holding <c>libtorch_cpu.so</c>, e.g. <c>.../site-packages/torch/lib</c>),
/// or, in a build without bundled libtorch natives (<c>scripts/bundle.sh</c>), the PyTorch that <c>python3</c>
/// imports. Its libraries are loaded by full path before TorchSharp loads anything, so TorchSharp's own
/// <c>libLibTorchSharp.so</c> binds to them by soname (TorchSharp's advice for a Python install of PyTorch,
/// dotnet/TorchSharp#169). Two copies of libtorch in one process abort it, so a build that bundles libtorch
/// refuses a second one with one line.
/// </summary>
public static class Libtorch
{
    public const string Variable = "MIMICRY_LIBTORCH";

    /// <summary>What was chosen: the folder, how it was found, and its PyTorch version when known.</summary>
    public sealed record Choice(string Directory, string Source, string? Version);

    /// <summary>The libtorch loaded by <see cref="Configure"/> (null: the bundled one).</summary>
    public static Choice? Chosen { get; private set; }

    /// <summary>Why no external libtorch was used, when one was looked for and not found (for <c>doctor</c>).</summary>
    public static string? NotUsedBecause { get; private set; }

    private static readonly string[] LoadOrder = ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];

    /// <summary>The folder of this application, where a bundled libtorch would lie.</summary>
    private static string AppDir => AppContext.BaseDirectory;

    /// <summary>Whether this build carries TorchSharp-cpu's libtorch beside it.</summary>
    public static bool Bundled =>
        File.Exists(Path.Combine(AppDir, "libtorch_cpu.so")) || File.Exists(Path.Combine(AppDir, "runtimes", "linux-x64", "native", "libtorch_cpu.so"));

    /// <summary>Chooses and loads an external libtorch if one is asked for or needed; call before any TorchSharp call. Idempotent.</summary>
    public static void Configure()
    {
        if (Chosen != null || !OperatingSystem.IsLinux()) return;
        string? asked = Environment.GetEnvironmentVariable(Variable);
        Choice? choice = null;
        if (!string.IsNullOrWhiteSpace(asked))
        {
            if (!File.Exists(Path.Combine(asked, "libtorch_cpu.so")))
                throw new ArgumentException($"{Variable}={asked}: no libtorch_cpu.so there (point it at a libtorch lib folder, e.g. the lib folder of the torch Python package)");
            choice = new Choice(Path.GetFullPath(asked), Variable, VersionNear(asked));
        }
        else if (!Bundled)
        {
            choice = FromPython(out string? why);
            if (choice == null)
            {
                NotUsedBecause = why;
                throw new DllNotFoundException($"this Mimicry build has no libtorch of its own and {why}: set {Variable}=DIR (a folder holding libtorch_cpu.so) or install PyTorch for python3");
            }
        }
        if (choice == null) return;
        if (Bundled)
            throw new ArgumentException($"{Variable}={asked}: this build bundles its own libtorch ({AppDir}); two in one process abort it. " +
                "Run the bundle scripts/bundle.sh makes (no libtorch of its own), or ./mimicry, which builds one when the variable is set");
        foreach (var lib in LoadOrder)
        {
            string path = Path.Combine(choice.Directory, lib);
            if (File.Exists(path)) NativeLibrary.Load(path);
        }
        Chosen = choice;
    }

    /// <summary>The lib folder of the torch package python3 imports, if any.</summary>
    private static Choice? FromPython(out string? why)
    {
        why = null;
        try
        {
            var start = new ProcessStartInfo("python3", ["-c", "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib')); print(torch.__version__)"])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(start)!;
            string output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(60_000)) { p.Kill(); why = "python3 did not import torch within 60 s"; return null; }
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (p.ExitCode != 0 || lines.Length < 2) { why = "python3 cannot import torch"; return null; }
            if (!File.Exists(Path.Combine(lines[0], "libtorch_cpu.so"))) { why = $"the torch package python3 imports has no {Path.Combine(lines[0], "libtorch_cpu.so")}"; return null; }
            return new Choice(lines[0], "python3 (import torch)", lines[1]);
        }
        catch (System.ComponentModel.Win32Exception) { why = "python3 is not installed"; return null; }
    }

    /// <summary>torch/version.py next to a torch/lib folder, when the folder is a PyTorch install's.</summary>
    private static string? VersionNear(string libDir)
    {
        string file = Path.Combine(libDir, "..", "version.py");
        if (!File.Exists(file)) return null;
        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith("__version__", StringComparison.Ordinal));
        return line?.Split('=', 2)[1].Trim().Trim('\'', '"');
    }

    /// <summary>Where the loaded libtorch_cpu.so lives (from /proc/self/maps), after torch has been used.</summary>
    public static string? LoadedFrom()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        return File.ReadLines(maps).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
            .FirstOrDefault(p => p != null && p.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal));
    }
}
