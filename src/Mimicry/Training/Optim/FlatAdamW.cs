using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Training.Optim;

/// <summary>
/// AdamW (Loshchilov and Hutter 2019, Algorithm 2) over <see cref="FlatParameterGroup"/>s: per group and step,
/// seven whole-buffer ops (the moment update as a lerp, as PyTorch's AdamW does, and the second bias correction
/// folded into the step size and ε), matching <c>torch.optim.AdamW</c> to rounding:
/// <code>
/// θ ← θ·(1 − lr·λ)                       (decoupled weight decay; λ = 0 for groups that do not decay)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// Every hyperparameter is a <see cref="Scalar"/> this object holds until it is replaced or disposed: TorchSharp
/// frees a Scalar made by implicit conversion in its finalizer, which a collection on another thread can run
/// while libtorch still reads it (the "Scalar toDouble" / "Unknown scalar type" crashes, dotnet/TorchSharp#1434).
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    private readonly double _beta1, _beta2, _eps, _weightDecay;
    private readonly Scalar _beta2S, _oneMinusBeta2S, _oneS;
    private readonly Tensor[] _expAvg, _expAvgSq;
    private readonly Tensor[] _oneMinusBeta1T; // lerp_ takes its weight as a tensor: 1 − β₁ per group, on its device
    private readonly HeldScalar _decay = new(), _stepSize = new(), _epsHat = new();

    public IReadOnlyList<FlatParameterGroup> Groups { get; }
    /// <summary>Optimizer steps taken (t in the bias corrections).</summary>
    public long StepCount { get; private set; }
    /// <summary>The learning rate of the next step (the trainer sets it from its schedule).</summary>
    public double LearningRate { get; set; }

    public FlatAdamW(IReadOnlyList<FlatParameterGroup> groups, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01)
    {
        if (!(lr >= 0) || !(beta1 is >= 0 and < 1) || !(beta2 is >= 0 and < 1) || !(eps >= 0) || !(weightDecay >= 0))
            throw new ArgumentOutOfRangeException(nameof(lr), $"AdamW: lr {lr}, betas ({beta1}, {beta2}), eps {eps}, weight decay {weightDecay} out of range");
        Groups = groups;
        LearningRate = lr;
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
        _beta2S = beta2.ToScalar();
        _oneMinusBeta2S = (1 - beta2).ToScalar();
        _oneS = 1.0.ToScalar();
        _expAvg = groups.Select(g => torch.zeros_like(g.Values)).ToArray();
        _expAvgSq = groups.Select(g => torch.zeros_like(g.Values)).ToArray();
        _oneMinusBeta1T = groups.Select(g => torch.tensor(1 - beta1, dtype: g.DType, device: g.Values.device)).ToArray();
    }

    public void ZeroGrad()
    {
        foreach (var g in Groups) g.ZeroGrad();
    }

    /// <summary>One update of every group from its gradients.</summary>
    public void Step()
    {
        StepCount++;
        double lr = LearningRate;
        double biasCorrection1 = 1 - Math.Pow(_beta1, StepCount), biasCorrection2 = 1 - Math.Pow(_beta2, StepCount);
        var decay = _decay.Set(1 - lr * _weightDecay);
        // m / (√v / √bc₂ + ε) = √bc₂ · m / (√v + ε·√bc₂): one pass fewer over the buffer, the same update.
        var stepSize = _stepSize.Set(-lr * Math.Sqrt(biasCorrection2) / biasCorrection1);
        var epsHat = _epsHat.Set(_eps * Math.Sqrt(biasCorrection2));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        for (int i = 0; i < Groups.Count; i++)
        {
            var (theta, g, m, v) = (Groups[i].Values, Groups[i].Grads, _expAvg[i], _expAvgSq[i]);
            if (Groups[i].WeightDecay && _weightDecay != 0) theta.mul_(decay);
            m.lerp_(g, _oneMinusBeta1T[i]);                              // β₁·m + (1 − β₁)·g in one pass
            v.mul_(_beta2S).addcmul_(g, g, _oneMinusBeta2S);
            var denominator = v.sqrt().add_(epsHat, _oneS);              // √v + ε·√(1 − β₂ᵗ): the bias correction folded into the step
            theta.addcdiv_(m, denominator, stepSize);
        }
    }

    /// <summary>
    /// Scales every gradient so that their global L2 norm is at most <paramref name="maxNorm"/> (PyTorch's
    /// <c>clip_grad_norm_</c>: coefficient min(1, max / (‖g‖ + 1e-6)), applied without a host sync).
    /// </summary>
    public void ClipGradNorm(double maxNorm)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var max = maxNorm.ToScalar();
        using var tiny = 1e-6.ToScalar();
        using var one = 1.0.ToScalar();
        var norms = Groups.Select(g => g.Grads.norm()).ToArray();
        var total = norms.Length == 1 ? norms[0] : torch.stack(norms).norm();
        var coefficient = total.add(tiny, one).reciprocal_().mul_(max).clamp_max_(one);
        foreach (var g in Groups) g.Grads.mul_(coefficient);
    }

    // ---- state (checkpoints) ----

    /// <summary>The moments by group name ("{group}.exp_avg", "{group}.exp_avg_sq"), on the CPU, for a checkpoint.</summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var state = new Dictionary<string, Tensor>();
        for (int i = 0; i < Groups.Count; i++)
        {
            state[$"{Groups[i].Name}.exp_avg"] = _expAvg[i].cpu().contiguous();
            state[$"{Groups[i].Name}.exp_avg_sq"] = _expAvgSq[i].cpu().contiguous();
        }
        return state;
    }

    /// <summary>Restores moments saved by <see cref="StateTensors"/>; a missing group or a size that differs names the file.</summary>
    public void LoadStateTensors(IReadOnlyDictionary<string, Tensor> state, long stepCount, string file)
    {
        using var noGrad = torch.no_grad();
        for (int i = 0; i < Groups.Count; i++)
            foreach (var (key, target) in new[] { ($"{Groups[i].Name}.exp_avg", _expAvg[i]), ($"{Groups[i].Name}.exp_avg_sq", _expAvgSq[i]) })
            {
                if (!state.TryGetValue(key, out var saved))
                    throw new InvalidDataException($"{file}: no tensor '{key}' (this run's parameter groups are {string.Join(", ", Groups.Select(g => g.Name))})");
                if (saved.numel() != target.numel() || saved.dtype != target.dtype)
                    throw new InvalidDataException($"{file}: '{key}' has {saved.numel()} {saved.dtype} values, the parameters {target.numel()} {target.dtype}");
                target.copy_(saved.reshape(target.shape));
            }
        StepCount = stepCount;
    }

    /// <summary>Moves moments from per-parameter state by parameter name (checkpoints written by TorchSharp's AdamW, before this optimizer).</summary>
    public void LoadPerParameterState(IReadOnlyDictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> byName, long stepCount, string file)
    {
        using var noGrad = torch.no_grad();
        for (int i = 0; i < Groups.Count; i++)
            foreach (var member in Groups[i].Members)
            {
                if (!byName.TryGetValue(member.Name, out var saved))
                    throw new InvalidDataException($"{file}: no optimizer state for parameter {member.Name}");
                using (var view = FlatParameterGroup.View(_expAvg[i], member)) view.copy_(saved.ExpAvg);
                using (var view = FlatParameterGroup.View(_expAvgSq[i], member)) view.copy_(saved.ExpAvgSq);
            }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var t in _expAvg.Concat(_expAvgSq).Concat(_oneMinusBeta1T)) t.Dispose();
        foreach (var s in new[] { _beta2S, _oneMinusBeta2S, _oneS }) s.Dispose();
        foreach (var h in new[] { _decay, _stepSize, _epsHat }) h.Dispose();
    }
}
