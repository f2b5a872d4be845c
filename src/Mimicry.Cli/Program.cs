using System.CommandLine;
using Mimicry.Cli.Commands;

var root = new RootCommand("Mimicry: teach robots from demonstrations with generative action models.")
{
    ReplayCommand.Create(),
    EnvCommand.Create(),
    RenderCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
