using System.Diagnostics;

namespace Mimicry.Runtime;

/// <summary>
/// The <c>ffmpeg</c> and <c>ffprobe</c> programs of Debian 12's FFmpeg 5.1 (libavcodec59, libavformat59, libdav1d6 for AV1,
/// libsvtav1enc1 for encoding; <c>scripts/install-deps.sh</c>), run as child processes that raw RGB frames are piped through.
/// Chosen over P/Invoke into libav* because libav's structs change layout between major versions (no bindings package for
/// FFmpeg 5.1 is served here) and over FFMpegCore, which pipes through the same programs with more layers
/// (notes in <c>docs/video.md</c>). <c>MIMICRY_FFMPEG=DIR</c> picks another build.
/// </summary>
public static class Ffmpeg
{
    public const string Variable = "MIMICRY_FFMPEG";

    public static string Program(string name)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } dir) return Path.Combine(dir, name);
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(folder, name))) return Path.Combine(folder, name);
        throw new FileNotFoundException($"{name} is not installed: video datasets need FFmpeg (apt-get install ffmpeg, or scripts/install-deps.sh; {Variable}=DIR for another build)");
    }

    /// <summary>Whether ffmpeg and ffprobe can be found.</summary>
    public static bool Available
    {
        get
        {
            try { Program("ffmpeg"); Program("ffprobe"); return true; }
            catch (FileNotFoundException) { return false; }
        }
    }

    /// <summary>
    /// Starts <paramref name="program"/> with its standard streams redirected. Its stderr (the error message) is drained by a
    /// thread of its own, so a caller that blocks, or a thread pool kept busy by decoding, never stalls it.
    /// </summary>
    internal static (Process Process, Func<string> Errors) Start(string program, IEnumerable<string> args, bool input)
    {
        var info = new ProcessStartInfo(Program(program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        var p = Process.Start(info) ?? throw new IOException($"could not start {info.FileName}");
        var text = new System.Text.StringBuilder();
        var reader = new Thread(() => { try { text.Append(p.StandardError.ReadToEnd()); } catch (IOException) { } }) { IsBackground = true, Name = $"{program} stderr" };
        reader.Start();
        return (p, () => { reader.Join(); return text.ToString(); });
    }

    /// <summary>Drains a stream on a thread of its own (an encoder's unused stdout).</summary>
    internal static Thread Drain(Stream stream)
    {
        var t = new Thread(() => { try { stream.CopyTo(Stream.Null); } catch (IOException) { } }) { IsBackground = true, Name = "ffmpeg stdout" };
        t.Start();
        return t;
    }

    /// <summary>The last non-empty line ffmpeg wrote to stderr (its error), or a fallback.</summary>
    internal static string LastLine(string errors, string fallback)
    {
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 0 ? lines[^1] : fallback;
    }
}
