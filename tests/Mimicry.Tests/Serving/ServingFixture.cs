using Mimicry.Policies;
using Mimicry.Policies.Bc;
using Mimicry.Tests.Training;
using Mimicry.Training;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Tests.Serving;

/// <summary>Tiny Push-T runs trained once for the serving tests: diffusion (sampled), BC (deterministic), flow (real-time chunking).</summary>
public sealed class ServingFixture : IDisposable
{
    public string Root { get; } = TempDirs.New("serving");
    public string Diffusion { get; }
    public string Bc { get; }
    public string Flow { get; }

    public ServingFixture()
    {
        var data = TinyRuns.PushT(6);
        Diffusion = Path.Combine(Root, "diffusion");
        using (var t = new Trainer(TinyRuns.Diffusion(60), data, Diffusion)) t.Run();
        Bc = Path.Combine(Root, "bc");
        using (var t = new Trainer(TinyRuns.Diffusion(60) with { Policy = new BcConfig { HiddenDims = [32, 32] } }, data, Bc)) t.Run();
        Flow = Path.Combine(Root, "flow");
        using (var t = new Trainer(TinyRuns.For("flow", 60), data, Flow)) t.Run();
    }

    public static IPolicy Load(string run, params string[] acting) => Checkpoint.Load(run, acting: acting).Policy;

    public void Dispose() => TempDirs.Delete(Root);
}
