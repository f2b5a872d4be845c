using Mimicry.Configuration;

namespace Mimicry.Training;

/// <summary>
/// How long a run trains: <c>train.steps</c>, its warm-up and its checkpoint spacing as configured, or, with
/// <c>train.minutes</c>, all three scaled by one factor once the run has timed its own steps, so that the schedule keeps
/// its shape (warm-up and checkpoints at the same fractions of the run) and the run fills its minutes on this machine.
/// </summary>
/// <param name="SecondsPerStep">The run's own rate the length was fitted to (null: the configured length).</param>
public sealed record TrainLength(int Steps, int WarmupSteps, int CheckpointEvery, double? SecondsPerStep = null)
{
    /// <summary>Untimed steps at the start of a run (allocation, first touch, the loader filling its queue).</summary>
    public const int UntimedSteps = 5;

    public static TrainLength Configured(TrainConfig tc) => new(tc.Steps, tc.WarmupSteps, tc.CheckpointEvery);

    /// <summary>Steps timed after the untimed ones: a twentieth of the planned run, 20 to 100.</summary>
    public static int TimedSteps(TrainConfig tc) => Math.Clamp(tc.Steps / 20, 20, 100);

    /// <summary>
    /// The length that fills <c>train.minutes</c>: the steps done, plus what the time left holds at the measured rate;
    /// warm-up and checkpoint spacing scaled by the same factor against <c>train.steps</c> (the plan's guess).
    /// </summary>
    public static TrainLength Fit(TrainConfig tc, int step, double elapsedSeconds, double secondsPerStep)
    {
        if (!(secondsPerStep > 0)) throw new ArgumentException($"seconds per step must be > 0, got {secondsPerStep}");
        double left = Math.Max(0, tc.Minutes * 60 - elapsedSeconds);
        int steps = Math.Max(step + 1, step + (int)Math.Floor(left / secondsPerStep));
        double factor = (double)steps / tc.Steps;
        return new TrainLength(steps, (int)Math.Round(tc.WarmupSteps * factor), Math.Max(1, (int)Math.Round(tc.CheckpointEvery * factor)), secondsPerStep);
    }
}
