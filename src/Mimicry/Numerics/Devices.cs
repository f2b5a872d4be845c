using static TorchSharp.torch;

namespace Mimicry.Numerics;

/// <summary>Torch devices named by the user: "cpu", "cuda", "cuda:N"; checked before anything runs.</summary>
public static class Devices
{
    public static Device Parse(string name, string option = "device")
    {
        string n = (name ?? "").Trim().ToLowerInvariant();
        if (n == "cpu") return CPU;
        if (n == "cuda" || (n.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(n[5..], out int index) && index >= 0))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"{option} {name}: CUDA is not available here; `mimicry doctor` says why (docs/gpu.md: a CUDA PyTorch's libtorch through MIMICRY_LIBTORCH), or use cpu");
            return device(n);
        }
        throw new ArgumentException($"{option} '{name}': use cpu, cuda or cuda:N");
    }
}
