using System.CommandLine;
using Mimicry.Experiments;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry quickstart</c>: the README's main job (<see cref="Quickstart"/>).</summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Push-T replay buffer (zarr v2); default: the bundled data/pusht" };
        var output = CommonOptions.Out("folder for dataset, run, report and GIFs", "runs/quickstart");
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 3000 };
        var episodes = CommonOptions.Episodes();
        var cmd = new Command("quickstart", "Main job: replay check, import, train a small diffusion policy, evaluate, report (Push-T)")
        { data, output, steps, episodes };
        cmd.SetAction(r => Cli.Run(() =>
        {
            // Ctrl-C (SIGINT) or kill (SIGTERM): finish the step, save a checkpoint, exit 130.
            using var stop = new StopSignal("stopping after this step and saving a checkpoint");
            bool done = Quickstart.Run(Cli.ResolveData(r.GetValue(data)), r.GetValue(output)!, r.GetValue(steps), r.GetValue(episodes), Console.WriteLine,
                (trainer, evaluate) => TrainLoop.Run(trainer, resume: false, overwrite: false, evaluate, stop.Token), Progress.Display);
            return done ? 0 : 130;
        }));
        return cmd;
    }

}
