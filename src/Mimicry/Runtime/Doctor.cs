using System.Runtime.InteropServices;
using static TorchSharp.torch;
using Mimicry.Numerics;

namespace Mimicry.Runtime;

/// <summary>One line of <c>mimicry doctor</c>: what was checked, what was found, and whether it is usable.</summary>
public sealed record DoctorLine(string What, string Found, bool Ok);

/// <summary>
/// What this machine gives Mimicry: libtorch (where from, which version), CUDA devices and why CUDA is
/// unavailable when it is, torch's threads and waiting policy, and the system libraries (Chipmunk for Push-T,
/// FFmpeg for video).
/// </summary>
public static class Doctor
{
    public static IReadOnlyList<DoctorLine> Check()
    {
        var lines = new List<DoctorLine>();
        lines.Add(new("runtime", $".NET {Environment.Version}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores", true));
        string torchSharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        var chosen = Libtorch.Chosen;
        string source = chosen == null ? $"bundled with TorchSharp-cpu {torchSharp} (libtorch 2.10, CPU only)"
            : $"{chosen.Directory} ({chosen.Source}{(chosen.Version != null ? $", PyTorch {chosen.Version}" : "")}; TorchSharp {torchSharp} is built for libtorch 2.10)";
        bool cudaAvailable = false;
        int devices = 0;
        try
        {
            cudaAvailable = cuda.is_available();
            devices = cudaAvailable ? cuda.device_count() : 0;
            lines.Add(new("libtorch", source, true));
            lines.Add(new("libtorch loaded from", Libtorch.LoadedFrom() ?? "(unknown)", true));
        }
        catch (Exception e) when (e is DllNotFoundException or NotSupportedException or TypeInitializationException or ExternalException)
        {
            lines.Add(new("libtorch", $"{source}: failed to load ({e.Message.Split('\n')[0]})", false));
        }
        lines.Add(new("cuda", cudaAvailable ? $"{devices} device(s)" : $"unavailable: {WhyNoCuda(chosen)}", cudaAvailable));
        lines.Add(new("torch threads", $"{get_num_threads()} intra-op (OMP_NUM_THREADS={Env("OMP_NUM_THREADS")}); " +
            $"acting calls of batch <= {Threads.SmallBatch} use 1; OMP_WAIT_POLICY={Env("OMP_WAIT_POLICY")} (PASSIVE yields the cores to other jobs at half the training speed)", true));
        lines.Add(Library("chipmunk (Push-T)", "libchipmunk.so.7", "apt-get install libchipmunk7 (scripts/install-deps.sh)"));
        lines.Add(FfmpegLine());
        return lines;
    }

    /// <summary>The ffmpeg and ffprobe programs video datasets run (Data.Video.Ffmpeg), and their version.</summary>
    private static DoctorLine FfmpegLine()
    {
        try
        {
            string ffmpeg = Ffmpeg.Program("ffmpeg");
            Ffmpeg.Program("ffprobe");
            var info = new System.Diagnostics.ProcessStartInfo(ffmpeg, "-hide_banner -version") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = System.Diagnostics.Process.Start(info)!;
            string first = p.StandardOutput.ReadLine() ?? "";
            p.WaitForExit();
            return new("ffmpeg (video datasets)", $"{ffmpeg}: {first}", p.ExitCode == 0);
        }
        catch (Exception e) when (e is FileNotFoundException or System.ComponentModel.Win32Exception)
        {
            return new("ffmpeg (video datasets)", e.Message, false);
        }
    }

    private static string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : "(unset)";

    private static string WhyNoCuda(Libtorch.Choice? chosen)
    {
        if (chosen == null)
            return Libtorch.Bundled ? $"this build runs TorchSharp-cpu's libtorch, which has no CUDA; set {Libtorch.Variable} to a CUDA PyTorch's torch/lib folder (docs/gpu.md)"
                : Libtorch.NotUsedBecause ?? "no libtorch with CUDA was found";
        if (!File.Exists(Path.Combine(chosen.Directory, "libtorch_cuda.so"))) return $"{chosen.Directory} has no libtorch_cuda.so (a CPU build of PyTorch)";
        if (!File.Exists("/dev/nvidiactl")) return "no NVIDIA driver device (/dev/nvidiactl is missing)";
        return $"libtorch_cuda.so loaded but no device is visible (CUDA_VISIBLE_DEVICES={Env("CUDA_VISIBLE_DEVICES")}; check nvidia-smi)";
    }

    private static DoctorLine Library(string what, string name, string fix)
    {
        if (!NativeLibrary.TryLoad(name, out var handle)) return new(what, $"{name} missing: {fix}", false);
        NativeLibrary.Free(handle);
        return new(what, name, true);
    }
}
