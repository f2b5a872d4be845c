using System.CommandLine;
using Mimicry.Cli.Commands;

namespace Mimicry.Cli;

public static class Program
{
    /// <summary>The command tree; tests parse and invoke it in-process.</summary>
    public static RootCommand BuildRoot() => new("Mimicry: teach robots from demonstrations with generative action models.")
    {
        QuickstartCommand.Create(),
        ReplayCommand.Create(),
        EnvCommand.Create(),
        RenderCommand.Create(),
        DatasetCommand.Create(),
        TrainCommand.Create(),
        EvalCommand.Create(),
        MultimodalCommand.Create(),
    };

    public static int Main(string[] args)
    {
        Commands.Cli.CommandLine = "mimicry " + string.Join(' ', args.Select(a => a.Contains(' ') || a.Length == 0 ? $"'{a}'" : a));
        return BuildRoot().Parse(args).Invoke();
    }
}
