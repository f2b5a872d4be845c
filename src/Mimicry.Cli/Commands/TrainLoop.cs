using Mimicry.Policies;
using Mimicry.Training;
using Spectre.Console;

namespace Mimicry.Cli.Commands;

/// <summary>Runs a trainer with a Spectre progress bar (loss, steps/s, ETA) on a terminal, plain log lines otherwise.</summary>
internal static class TrainLoop
{
    public static void Run(Trainer trainer, bool resume, bool overwrite, Func<IPolicy, ActingScore>? evaluate, CancellationToken cancel)
    {
        if (Progress.Interactive)
        {
            Progress.Bar().Start(ctx =>
                {
                    var task = ctx.AddTask("training");
                    trainer.Run(resume, p =>
                    {
                        task.MaxValue = p.TotalSteps;
                        task.Value = p.Step;
                        task.Description = $"step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} {p.StepsPerSecond:F2} steps/s";
                    }, evaluate, cancel, overwrite);
                });
            return;
        }
        int every = 0;
        trainer.Run(resume, p =>
        {
            every = every == 0 ? Math.Max(1, Math.Min(50, p.TotalSteps / 20)) : every;
            if (p.Step % every == 0 || p.Step == p.TotalSteps)
                Console.WriteLine($"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  lr {p.Lr:E2}  {p.StepsPerSecond:F2} steps/s  elapsed {p.Elapsed:hh\\:mm\\:ss}  eta {p.Eta:hh\\:mm\\:ss}");
        }, evaluate, cancel, overwrite);
    }
}
