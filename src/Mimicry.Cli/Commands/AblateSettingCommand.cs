using System.CommandLine;
using Mimicry.Evaluation;
using Mimicry.Experiments.Ablation;

namespace Mimicry.Cli.Commands;

/// <summary>
/// <c>mimicry ablate setting RUN... --setting policy.target_return --values 0.2,0.4,...</c>: one acting setting
/// swept over values on the same seeds (the Decision Transformer's target return, a guidance scale, a sampling
/// temperature), avg max reward and success against the value, one line per run.
/// </summary>
internal static class AblateSettingCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("run") { Description = "runs (or checkpoint folders)", Arity = ArgumentArity.OneOrMore };
        var output = CommonOptions.Out("report folder");
        var setting = new Option<string>("--setting") { Description = "the acting setting to sweep, e.g. policy.target_return or policy.guidance_scale", Required = true };
        var values = new Option<string>("--values") { Description = "its values, comma-separated", Required = true };
        var set = new Option<string[]>("--set") { Description = "other acting settings held fixed, e.g. policy.condition_value=[1]" };
        var episodes = CommonOptions.Episodes("evaluation episodes per row");
        var seedStart = CommonOptions.SeedStart();
        var cmd = new Command("setting", "Avg max reward and success against the values of one acting setting (e.g. the Decision Transformer's target return)")
        { runs, output, setting, values, set, episodes, seedStart };
        cmd.SetAction(r => Cli.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            SettingAblation.Run(r.GetValue(runs)!, r.GetValue(setting)!, r.GetValue(values)!, r.GetValue(set) ?? [], new EvalOptions(r.GetValue(episodes), r.GetValue(seedStart)),
                outDir, Console.WriteLine, Progress.Display);
            Console.WriteLine($"wrote {outDir}/setting.md, setting.json, setting.png, report.md");
            return 0;
        }));
        return cmd;
    }
}
