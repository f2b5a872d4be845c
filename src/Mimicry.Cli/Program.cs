using System.CommandLine;
using Mimicry.Cli.Commands;
using Mimicry.Runtime;

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
        CfgForkCommand.Create(),
        AblateCommand.Create(),
        PresetsCommand.Create(),
        SweepCommand.Create(),
        StitchingCommand.Create(),
        TokenizeCommand.Create(),
        CompareCommand.Create(),
        DoctorCommand.Create(),
        ServeCommand.Create(),
        ClientCommand.Create(),
    };

    /// <summary>Quotes an argument for a POSIX shell when it holds anything but plain word characters.</summary>
    private static string ShellQuote(string a) =>
        a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./:=,+@%".Contains(c)) ? a : "'" + a.Replace("'", "'\\''") + "'";

    public static int Main(string[] args)
    {
        Commands.Cli.CommandLine = "./mimicry " + string.Join(' ', args.Select(ShellQuote));
        int setup = Commands.Cli.Run(() => { Libtorch.Configure(); return 0; });
        if (setup != 0) return setup;
        return BuildRoot().Parse(args).Invoke();
    }
}
