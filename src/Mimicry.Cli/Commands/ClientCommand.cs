using System.CommandLine;
using System.Text.Json;
using Mimicry.Serving;
using Mimicry.Serving.Client;

namespace Mimicry.Cli.Commands;

/// <summary><c>mimicry client --task pusht --server ws://127.0.0.1:8000 [--rate 10] [--merge latest|average|weighted] [--rtc]</c>.</summary>
internal static class ClientCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "the simulator to run against the server: pusht, fork or stitch", DefaultValueFactory = _ => "pusht" };
        var server = new Option<string>("--server") { Description = "the policy server", DefaultValueFactory = _ => "ws://127.0.0.1:8000" };
        var apiKey = new Option<string?>("--api-key") { Description = "sent as 'Authorization: Api-Key KEY'" };
        var episodes = CommonOptions.Episodes();
        var seedStart = CommonOptions.SeedStart();
        var maxSteps = new Option<int?>("--max-steps") { Description = "environment steps per episode (default: the task's)" };
        var rate = new Option<double>("--rate") { Description = "control rate in Hz, the next chunk requested in the background (0: as fast as the server answers, each chunk awaited)", DefaultValueFactory = _ => 0 };
        var execute = new Option<int?>("--execute") { Description = "actions executed from each chunk before the next is requested (default: the policy's n_action_steps)" };
        var merge = new Option<string>("--merge") { Description = "overlapping chunks: latest, average or weighted (0.3 old + 0.7 new, LeRobot's default)", DefaultValueFactory = _ => "latest" };
        var rtc = new Option<bool>("--rtc") { Description = "real-time chunking (flow policies): the server inpaints the actions that run while it infers" };
        var concurrency = new Option<int?>("--concurrency") { Description = "episodes run at once, a connection each (default: all)" };
        var output = new Option<string?>("--out") { Description = "write the result as JSON to this file" };
        var cmd = new Command("client", "Run the simulator against a policy server: score, latency seen by the client, action jumps at chunk boundaries")
        { task, server, apiKey, episodes, seedStart, maxSteps, rate, execute, merge, rtc, concurrency, output };
        cmd.SetAction(r => Cli.Run(() =>
        {
            var m = r.GetValue(merge)!.ToLowerInvariant() switch
            {
                "latest" => ChunkMerge.Latest,
                "average" => ChunkMerge.Average,
                "weighted" => ChunkMerge.Weighted,
                var x => throw new ArgumentException($"--merge '{x}': latest, average or weighted"),
            };
            if (!Uri.TryCreate(r.GetValue(server), UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
                throw new ArgumentException($"--server '{r.GetValue(server)}' is not a ws:// address");
            var options = new ClientOptions(r.GetValue(task)!, r.GetValue(episodes), r.GetValue(seedStart), r.GetValue(maxSteps), r.GetValue(rate), r.GetValue(execute), m,
                r.GetValue(rtc), r.GetValue(concurrency), r.GetValue(apiKey));
            using var stop = new StopSignal("stopping the episodes");
            var result = Progress.Display.Run($"episodes against {uri}", options.Episodes * (options.MaxSteps ?? Envs.Tasks.MaxSteps(options.Task)),
                p => Serving.Serve.ClientAsync(uri, options, p, stop.Token).GetAwaiter().GetResult());
            Console.WriteLine($"{result.Task} through {uri}: avg max reward {result.AvgMaxReward:F3}, success {result.SuccessRate:P0} over {result.Episodes} episodes " +
                $"(seeds {result.FirstSeed}..{result.FirstSeed + result.Episodes - 1}); {result.Requests} requests, round trip p50 {result.LatencyP50Ms:F1} ms / p99 {result.LatencyP99Ms:F1} ms " +
                $"(server inference p50 {result.InferP50Ms:F1} ms, {result.MeanBatch:F1} per batch); jump at chunk boundaries mean {result.BoundaryJumpMean:F2} / p99 {result.BoundaryJumpP99:F2} " +
                $"(every step {result.ChangeMean:F2}); {result.StallSteps} stalled steps; {result.WallSeconds:F0} s");
            if (r.GetValue(output) is { } path)
                IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }));
        return cmd;
    }
}
