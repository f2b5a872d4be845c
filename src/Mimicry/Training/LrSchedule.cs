using Mimicry.Configuration;

namespace Mimicry.Training;

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
