using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// The Diffusion Policy's 1-D temporal U-Net (Chi et al. 2023, Fig. 2; follows
/// diffusion_policy/model/diffusion/conditional_unet1d.py, ConditionalUnet1D, without local conditioning).
/// The diffusion step goes through a sinusoidal embedding and an MLP; concatenated with the flattened
/// observation window it conditions every residual block by FiLM. Time is halved at each level but
/// the last on the way down, and doubled at each level on the way up, with skip connections:
/// <code>
///  (B, H, Da) ─T→ (B, Da, H) ─down[0]→ d0 (H) ─↓→ down[1] → d1 (H/2) ─↓→ down[2] → d2 (H/4)
///                                                   mid × 2 (H/4)
///  up[0]: cat d2 → (H/4) ─↑→ (H/2);  up[1]: cat d1 → (H/2) ─↑→ (H);  final conv → (B, Da, H) ─T→ (B, H, Da)
/// </code>
/// Module and parameter names match the reference (diffusion_step_encoder, down_modules, mid_modules,
/// up_modules, final_conv), so a DP state dict maps across by name.
/// </summary>
public sealed class ConditionalUnet1d : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Sequential diffusion_step_encoder;
    private readonly ModuleList<ModuleList<nn.Module>> down_modules;
    private readonly ModuleList<ConditionalResidualBlock1d> mid_modules;
    private readonly ModuleList<ModuleList<nn.Module>> up_modules;
    private readonly Sequential final_conv;
    private readonly ClassifierFreeCondition? condition_encoder;

    private readonly List<(ConditionalResidualBlock1d A, ConditionalResidualBlock1d B, nn.Module<Tensor, Tensor> Resample)> _down = new(), _up = new();

    /// <param name="inputDim">Action dimension Da.</param>
    /// <param name="globalCondDim">Flattened observation window (To x Do).</param>
    /// <param name="downDims">Channels per level (DP low-dim: 256, 512, 1024).</param>
    /// <param name="stepEmbedDim">Diffusion step embedding size (DP: 256).</param>
    /// <param name="kernelSize">Temporal convolution kernel (DP low-dim Push-T: 5).</param>
    /// <param name="groups">GroupNorm groups (DP: 8).</param>
    /// <param name="predictScale">FiLM with scale and bias (DP Push-T: true) or bias only.</param>
    /// <param name="guidanceCondition">(condition size Dc, embedding size E) of an extra condition that may be
    /// dropped for classifier-free guidance (<see cref="ClassifierFreeCondition"/>); its embedding joins the FiLM
    /// conditioning. Null: none (DP).</param>
    public ConditionalUnet1d(int inputDim, int globalCondDim, int[] downDims, int stepEmbedDim = 256, int kernelSize = 5, int groups = 8, bool predictScale = true,
        (int Dim, int EmbedDim)? guidanceCondition = null)
        : base(nameof(ConditionalUnet1d))
    {
        if (downDims.Length < 1) throw new ArgumentException("down_dims needs at least one level");
        int dsed = stepEmbedDim;
        diffusion_step_encoder = nn.Sequential(
            new SinusoidalPosEmb(dsed),
            nn.Linear(dsed, dsed * 4),
            nn.Mish(),
            nn.Linear(dsed * 4, dsed));
        int condDim = dsed + globalCondDim;
        if (guidanceCondition is { } gc)
        {
            condition_encoder = new ClassifierFreeCondition(gc.Dim, gc.EmbedDim);
            condDim += gc.EmbedDim;
        }

        int[] all = [inputDim, .. downDims];
        var inOut = all.Zip(all.Skip(1)).ToArray();
        int mid = all[^1];

        var down = new List<ModuleList<nn.Module>>();
        for (int i = 0; i < inOut.Length; i++)
        {
            var (din, dout) = inOut[i];
            bool isLast = i >= inOut.Length - 1;
            var a = new ConditionalResidualBlock1d(din, dout, condDim, kernelSize, groups, predictScale);
            var b = new ConditionalResidualBlock1d(dout, dout, condDim, kernelSize, groups, predictScale);
            nn.Module<Tensor, Tensor> resample = isLast ? nn.Identity() : new Downsample1d(dout);
            down.Add(nn.ModuleList<nn.Module>(a, b, resample));
            _down.Add((a, b, resample));
        }
        down_modules = nn.ModuleList(down.ToArray());

        mid_modules = nn.ModuleList(
            new ConditionalResidualBlock1d(mid, mid, condDim, kernelSize, groups, predictScale),
            new ConditionalResidualBlock1d(mid, mid, condDim, kernelSize, groups, predictScale));

        var up = new List<ModuleList<nn.Module>>();
        var reversed = inOut.Skip(1).Reverse().ToArray();
        for (int i = 0; i < reversed.Length; i++)
        {
            var (din, dout) = reversed[i];
            // As in the reference, is_last compares with len(in_out) - 1, so every up level upsamples.
            bool isLast = i >= inOut.Length - 1;
            var a = new ConditionalResidualBlock1d(dout * 2, din, condDim, kernelSize, groups, predictScale);
            var b = new ConditionalResidualBlock1d(din, din, condDim, kernelSize, groups, predictScale);
            nn.Module<Tensor, Tensor> resample = isLast ? nn.Identity() : new Upsample1d(din);
            up.Add(nn.ModuleList<nn.Module>(a, b, resample));
            _up.Add((a, b, resample));
        }
        up_modules = nn.ModuleList(up.ToArray());

        final_conv = nn.Sequential(
            new Conv1dBlock(downDims[0], downDims[0], kernelSize, groups),
            nn.Conv1d(downDims[0], inputDim, 1));
        RegisterComponents();
    }

    /// <param name="sample">(B, H, Da) noisy action sequence.</param>
    /// <param name="timestep">(B,) diffusion steps.</param>
    /// <param name="globalCond">(B, To x Do) flattened observations.</param>
    /// <returns>(B, H, Da): predicted noise (or sample).</returns>
    public override Tensor forward(Tensor sample, Tensor timestep, Tensor globalCond)
    {
        if (condition_encoder != null) throw new InvalidOperationException("this U-Net takes a guidance condition: call forward(sample, timestep, globalCond, condition, keep)");
        return Run(sample, timestep, globalCond);
    }

    /// <param name="condition">(B, Dc) the extra condition, normalized.</param>
    /// <param name="keep">(B) bool: false replaces that row's condition by the null embedding ∅.</param>
    public Tensor forward(Tensor sample, Tensor timestep, Tensor globalCond, Tensor condition, Tensor keep)
    {
        if (condition_encoder == null) throw new InvalidOperationException("this U-Net was built without a guidance condition");
        using var scope = torch.NewDisposeScope();
        return Run(sample, timestep, torch.cat([globalCond, condition_encoder.forward(condition, keep)], dim: -1)).MoveToOuterDisposeScope();
    }

    private Tensor Run(Tensor sample, Tensor timestep, Tensor globalCond)
    {
        using var scope = torch.NewDisposeScope();
        var x = sample.transpose(1, 2); // (B, Da, H)
        var cond = torch.cat([diffusion_step_encoder.forward(timestep), globalCond], dim: -1);
        var skips = new Stack<Tensor>();
        foreach (var (a, b, down) in _down)
        {
            x = b.forward(a.forward(x, cond), cond);
            skips.Push(x);
            x = down.forward(x);
        }
        foreach (var m in mid_modules) x = m.forward(x, cond);
        foreach (var (a, b, upsample) in _up)
        {
            x = torch.cat([x, skips.Pop()], dim: 1);
            x = b.forward(a.forward(x, cond), cond);
            x = upsample.forward(x);
        }
        x = final_conv.forward(x);
        return x.transpose(1, 2).MoveToOuterDisposeScope(); // (B, H, Da)
    }

    /// <summary>
    /// Multiply-add FLOPs (×2) of one forward pass for one sample: the step encoder's two linears, every
    /// convolution (2·C_in·C_out·K per output position; the transposed upsampling conv 2·C·C·4 per input position),
    /// the FiLM linears and the 1×1 residual convs, at each level's length (H halved by every downsampling).
    /// GroupNorm, Mish and the FiLM products are left out (O(C·L)).
    /// </summary>
    public static double ForwardFlops(int inputDim, int globalCondDim, int[] downDims, int horizon, int stepEmbedDim = 256, int kernelSize = 5,
        bool predictScale = true, int guidanceEmbedDim = 0)
    {
        int condDim = stepEmbedDim + globalCondDim + guidanceEmbedDim;
        double Conv(double cin, double cout, double k, double lengthOut) => 2 * cin * cout * k * lengthOut;
        double Block(int cin, int cout, int length) =>
            Conv(cin, cout, kernelSize, length) + Conv(cout, cout, kernelSize, length) + 2.0 * condDim * (predictScale ? 2 * cout : cout)
            + (cin != cout ? Conv(cin, cout, 1, length) : 0);
        double flops = 2.0 * stepEmbedDim * 4 * stepEmbedDim * 2; // step encoder
        int[] all = [inputDim, .. downDims];
        var inOut = all.Zip(all.Skip(1)).ToArray();
        int length = horizon;
        for (int i = 0; i < inOut.Length; i++)
        {
            var (din, dout) = inOut[i];
            flops += Block(din, dout, length) + Block(dout, dout, length);
            if (i < inOut.Length - 1) { length = (length + 1) / 2; flops += Conv(dout, dout, 3, length); }
        }
        flops += 2 * Block(all[^1], all[^1], length);
        foreach (var (din, dout) in inOut.Skip(1).Reverse())
        {
            flops += Block(2 * dout, din, length) + Block(din, din, length);
            flops += Conv(din, din, 4, length); // ConvTranspose1d(4, stride 2): every input position writes 4 outputs
            length *= 2;
        }
        return flops + Conv(downDims[0], downDims[0], kernelSize, length) + Conv(downDims[0], inputDim, 1, length);
    }
}
