using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Numerics;

/// <summary>
/// Every seeded random draw goes through here, so that it works on any device and a seed means the same
/// numbers on every device. TorchSharp 0.107 makes every <see cref="Generator"/> a CPU generator
/// (<c>THSGenerator_new</c>: "TODO: Support creation of GPU RNGs"), and libtorch refuses a CPU generator
/// for a CUDA draw ("Expected a 'cuda' device type for generator but found 'cpu'"). So a draw with a
/// generator is made on the generator's device (the CPU) and then moved, as diffusers' <c>randn_tensor</c>
/// does (diffusers/utils/torch_utils.py). Without a generator the draw happens on the target device from
/// its default generator (seeded by <c>torch.manual_seed</c>).
/// </summary>
public static class RandomDraws
{
    /// <summary>A seeded generator (on the CPU, where TorchSharp makes them all).</summary>
    public static Generator Seeded(long seed) => new((ulong)seed);

    /// <summary>ε ~ N(0, I) of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Normal(long[] shape, Generator? generator, Device device, ScalarType dtype = ScalarType.Float32)
    {
        if (generator == null) return torch.randn(shape, dtype: dtype, device: device);
        return OnDevice(torch.randn(shape, dtype: dtype, device: CPU, generator: generator), device);
    }

    /// <summary>u ~ U[0, 1) of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Uniform(long[] shape, Generator? generator, Device device, ScalarType dtype = ScalarType.Float32)
    {
        if (generator == null) return torch.rand(shape, dtype: dtype, device: device);
        return OnDevice(torch.rand(shape, dtype: dtype, device: CPU, generator: generator), device);
    }

    /// <summary>Integers uniform in [<paramref name="low"/>, <paramref name="high"/>) of <paramref name="shape"/>, int64, on <paramref name="device"/>.</summary>
    public static Tensor Integers(long low, long high, long[] shape, Generator? generator, Device device)
    {
        if (generator == null) return torch.randint(low, high, shape, dtype: ScalarType.Int64, device: device);
        return OnDevice(torch.randint(low, high, shape, dtype: ScalarType.Int64, device: CPU, generator: generator), device);
    }

    /// <summary>One index per row of <paramref name="probabilities"/> (B, V) drawn from it; (B, 1) int64 on its device.</summary>
    public static Tensor Categorical(Tensor probabilities, Generator? generator)
    {
        if (generator == null || probabilities.device.type == DeviceType.CPU) return torch.multinomial(probabilities, 1, generator: generator);
        using var onCpu = probabilities.cpu();
        return OnDevice(torch.multinomial(onCpu, 1, generator: generator), probabilities.device);
    }

    private static Tensor OnDevice(Tensor drawn, Device device)
    {
        if (drawn.device.type == device.type && drawn.device.index == device.index) return drawn;
        var moved = drawn.to(device);
        drawn.Dispose();
        return moved;
    }
}
