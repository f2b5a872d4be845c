using System.CommandLine;
using Mimicry.Evaluation;
using Mimicry.Experiments.Ablation;

namespace Mimicry.Cli.Commands;

/// <summary>
/// <c>mimicry ablate steps RUN... --out DIR</c>: "slow inference", quantified (<see cref="SamplerAblation"/>), and
/// <c>mimicry ablate setting</c> (<see cref="SettingAblation"/>).
/// </summary>
internal static class AblateCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("run") { Description = "runs (or checkpoint folders) of policies with samplers (diffusion, flow)", Arity = ArgumentArity.OneOrMore };
        var output = CommonOptions.Out("report folder");
        var steps = new Option<string>("--steps") { Description = "sampling steps, comma-separated", DefaultValueFactory = _ => "1,2,4,8,16,100" };
        var episodes = CommonOptions.Episodes("evaluation episodes per row");
        var seedStart = CommonOptions.SeedStart();
        var calls = new Option<int>("--latency-calls") { Description = "batch-1 chunk predictions timed per row", DefaultValueFactory = _ => 20 };
        var stepsCmd = new Command("steps", "Avg max reward, success and latency against the number of sampling steps, for every sampler of each run (DDPM at its training steps, DDIM leading and trailing, Euler, Heun)")
        { runs, output, steps, episodes, seedStart, calls };
        stepsCmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            var counts = Cli.Integers(r.GetValue(steps)!, "--steps", 1, 100_000).Distinct().Order().ToArray();
            SamplerAblation.Run(r.GetValue(runs)!, counts, new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart)), r.GetValue(calls), outDir, Console.WriteLine, Progress.Display);
            Console.WriteLine($"wrote {outDir}/steps.md, steps.json, steps_latency.png, steps_reward.png, report.md");
            return 0;
        }));
        return new Command("ablate", "Ablations over acting settings of trained runs") { stepsCmd, AblateSettingCommand.Create() };
    }
}
