namespace Mimicry.Training;

/// <summary>The learning-rate schedule after warm-up.</summary>
public enum LrSchedulerKind
{
    /// <summary>Half a cosine to 0 (diffusers' get_cosine_schedule_with_warmup, num_cycles 0.5; Diffusion Policy).</summary>
    Cosine,
    /// <summary>Constant (LeRobot's ACT: no scheduler).</summary>
    Constant,
}

/// <summary>Linear warm-up over <c>warmup</c> steps, then the chosen schedule.</summary>
public static class LrSchedule
{
    public static double Factor(LrSchedulerKind kind, int step, int warmup, int total)
    {
        if (step < warmup) return (double)step / Math.Max(1, warmup);
        if (kind == LrSchedulerKind.Constant) return 1.0;
        double progress = (double)(step - warmup) / Math.Max(1, total - warmup);
        return Math.Max(0, 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
