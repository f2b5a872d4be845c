using Mimicry.Numerics;
using Mimicry.Serving.Client;
using Mimicry.Serving.Server;
using Mimicry.Training.Checkpoints;

namespace Mimicry.Serving;

/// <summary>The entry points of <c>mimicry serve</c> and <c>mimicry client</c>.</summary>
public static class Serve
{
    /// <summary>
    /// Loads a trained run (or checkpoint folder) with acting overrides and serves it until <paramref name="cancel"/>:
    /// the websocket server on the policy's device, one slot per client, batched inference.
    /// </summary>
    public static async Task RunAsync(string run, ServeOptions options, IReadOnlyList<string> acting, string device, Action<string> log, CancellationToken cancel)
    {
        options.Validate();
        var (config, policy) = Checkpoint.Load(run, Devices.Parse(device, "--device"), acting: acting);
        using var _ = policy;
        using var service = new PolicyService(policy, options);
        await using var server = await PolicyServer.StartAsync(service, options, config.Task, log);
        log($"serving {config.Policy.Name} ({run}, task {config.Task}) on {server.Address} in {service.Mode.ToString().ToLowerInvariant()} mode: " +
            $"{service.ActionsPerResponse} action(s) per response from {service.ObservationFrames} observation frame(s) of {string.Join(", ", service.Fields.Select(f => $"{f.Key} {f.ShapeText}"))}; " +
            $"batches of up to {options.MaxBatch} within {options.MaxWaitMs} ms{(options.ApiKey != null ? "; API key required" : "")}");
        log($"health: {server.Address.ToString().Replace("ws://", "http://")}healthz; Ctrl-C stops");
        long lastRequests = 0;
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), cancel);
                long r = service.Requests;
                if (r != lastRequests) log($"{server.Connections} client(s), {r} requests, {service.Batches} network calls ({(double)r / Math.Max(1, service.Batches):F1} per call)");
                lastRequests = r;
            }
        }
        catch (OperationCanceledException) { }
        log("stopped");
    }

    /// <summary>Runs <see cref="ServedEvaluation"/> against a server.</summary>
    public static Task<ServedResult> ClientAsync(Uri server, ClientOptions options, IProgress<int>? progress, CancellationToken cancel) =>
        ServedEvaluation.RunAsync(server, options, progress, cancel);
}
