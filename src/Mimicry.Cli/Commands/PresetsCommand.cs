using System.CommandLine;
using Mimicry.Training;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry presets [--json]</c>: the shipped presets, each with every deviation from its paper.</summary>
internal static class PresetsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "print the presets' run configs as JSON" };
        var cmd = new Command("presets", "List the shipped presets (train --preset NAME) and how each departs from its paper") { json };
        cmd.SetAction(r => Cli.Run(() =>
        {
            foreach (var p in Presets.All)
            {
                Console.WriteLine($"{p.Name}  ({p.Config.Policy.Name}, task {p.Config.Task})");
                Console.WriteLine($"  {p.Description}");
                if (p.PaperSource != null) Console.WriteLine($"  paper: {p.PaperSource}{(p.PaperMax is { } m ? $": max {m:0.00}" : "")}{(p.PaperAvg is { } a ? $", avg {a:0.00}" : "")}");
                Console.WriteLine(p.Deviations.Count == 0 ? "  deviations: none" : "  deviations:");
                foreach (var d in p.Deviations) Console.WriteLine($"  - {d}");
                if (r.GetValue(json)) Console.WriteLine(Mimicry.Configuration.ConfigJson.Serialize(p.Config));
                Console.WriteLine();
            }
            return 0;
        }));
        return cmd;
    }
}
