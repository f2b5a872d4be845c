namespace Mimicry.Training;

/// <summary>Linear warm-up then half a cosine to 0 (diffusers' get_cosine_schedule_with_warmup, num_cycles 0.5).</summary>
public static class LrSchedule
{
    public static double Factor(int step, int warmup, int total)
    {
        if (step < warmup) return (double)step / Math.Max(1, warmup);
        double progress = (double)(step - warmup) / Math.Max(1, total - warmup);
        return Math.Max(0, 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
