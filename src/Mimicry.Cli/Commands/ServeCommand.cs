using System.CommandLine;
using Mimicry.Serving;
using Mimicry.Serving.Server;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry serve RUN [--host 127.0.0.1] [--port 8000] [--api-key K] [--set policy.X=v] [--rename A=B]</c>.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "a trained run folder (or a checkpoint folder)" };
        var host = new Option<string>("--host") { Description = "address to bind (0.0.0.0: every interface, with a warning)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (openpi's 8000)", DefaultValueFactory = _ => 8000 };
        var apiKey = new Option<string?>("--api-key") { Description = "require 'Authorization: Api-Key KEY' (openpi-client's header)" };
        var set = new Option<string[]>("--set") { Description = "change an acting-only setting, e.g. policy.num_inference_steps=10, policy.execution=temporal_ensemble" };
        var rename = new Option<string[]>("--rename") { Description = "accept a client's key for a feature: CLIENT=FEATURE, e.g. observation/state=observation.keypoints" };
        var mode = new Option<string?>("--mode") { Description = "chunk (each request returns the whole chunk; default for receding-horizon policies) or step (each request is one control step of the server's actor: temporal ensembling, DT)" };
        var maxBatch = new Option<int>("--max-batch") { Description = "requests batched into one network call at most (1: no batching)", DefaultValueFactory = _ => 32 };
        var maxWait = new Option<double>("--max-wait-ms") { Description = "how long a request waits for others to batch with", DefaultValueFactory = _ => 2 };
        var maxClients = new Option<int>("--max-clients") { Description = "connections served at once", DefaultValueFactory = _ => 64 };
        var maxMessage = new Option<double>("--max-message-mb") { Description = "larger messages are refused", DefaultValueFactory = _ => 64 };
        var device = new Option<string>("--device") { Description = "torch device", DefaultValueFactory = _ => "cpu" };
        var seed = new Option<int>("--sampling-seed") { Description = "seed of the policy's sampling noise", DefaultValueFactory = _ => 0 };
        var cmd = new Command("serve", "Serve a trained policy over websockets in openpi's protocol (msgpack-numpy), batching clients")
        { run, host, port, apiKey, set, rename, mode, maxBatch, maxWait, maxClients, maxMessage, device, seed };
        cmd.SetAction(r => Cli.Run(() =>
        {
            var renames = (r.GetValue(rename) ?? []).Select(x => x.Split('=', 2) is [var a, var b] && a.Length > 0 && b.Length > 0 ? (a, b)
                : throw new ArgumentException($"--rename '{x}': write CLIENT_KEY=FEATURE")).ToDictionary(x => x.a, x => x.b);
            ServeMode? serveMode = r.GetValue(mode) switch
            {
                null => null,
                "chunk" => ServeMode.Chunk,
                "step" => ServeMode.Step,
                var m => throw new ArgumentException($"--mode '{m}': chunk or step"),
            };
            double mb = r.GetValue(maxMessage);
            if (!(mb > 0) || mb > 4096) throw new ArgumentException($"--max-message-mb must be in (0, 4096], got {mb}");
            var options = new ServeOptions(r.GetValue(host)!, r.GetValue(port), r.GetValue(apiKey), r.GetValue(maxBatch), r.GetValue(maxWait), r.GetValue(maxClients),
                (long)(mb * (1 << 20)), renames, serveMode, r.GetValue(seed));
            using var stop = new StopSignal("stopping the server");
            Serving.Serve.RunAsync(r.GetValue(run)!, options, r.GetValue(set) ?? [], r.GetValue(device)!, Console.WriteLine, stop.Token).GetAwaiter().GetResult();
            return 0;
        }));
        return cmd;
    }
}
