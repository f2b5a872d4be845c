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

/// <summary>A trained run served on a free loopback port: the policy, its service and the server, disposed in that order's reverse.</summary>
public sealed class LocalServer : IAsyncDisposable
{
    public required IPolicy Policy { get; init; }
    public required Mimicry.Serving.Server.PolicyService Service { get; init; }
    public required Mimicry.Serving.Server.PolicyServer Server { get; init; }

    public static async Task<LocalServer> Start(string run, Mimicry.Serving.Server.ServeOptions options, params string[] acting)
    {
        var policy = ServingFixture.Load(run, acting);
        var service = new Mimicry.Serving.Server.PolicyService(policy, options);
        return new LocalServer { Policy = policy, Service = service, Server = await Mimicry.Serving.Server.PolicyServer.StartAsync(service, options, "pusht") };
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Service.Dispose();
        Policy.Dispose();
    }
}
