using System.Net;
using System.Net.WebSockets;
using Mimicry.Envs;
using Mimicry.Envs.PushT;
using Mimicry.Evaluation;
using Mimicry.Policies;
using Mimicry.Serving.Client;
using Mimicry.Serving.Server;
using Mimicry.Serving.Wire;
using TorchSharp;

namespace Mimicry.Tests.Serving;

/// <summary>The policy server and its client over loopback websockets (port 0: a free port per server).</summary>
public class ServingTests(ServingFixture f) : IClassFixture<ServingFixture>
{
    private static ServeOptions Local(ServeMode? mode = null, int maxBatch = 32, double maxWaitMs = 2, string? apiKey = null, long maxMessage = 64L << 20) =>
        new(Port: 0, Mode: mode, MaxBatch: maxBatch, MaxWaitMs: maxWaitMs, ApiKey: apiKey, MaxMessageBytes: maxMessage);

    private static Dictionary<string, object?> Keypoints(float[] values, params long[] shape) =>
        new() { ["observation.keypoints"] = NdArray.Float32(values, shape.Length == 0 ? [values.Length] : shape) };

    private static float[] Frame(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, 20).Select(_ => (float)(100 + 300 * rng.NextDouble())).ToArray();
    }

    [Fact]
    public async Task Health_metadata_and_a_chunk_come_back()
    {
        await using var local = await LocalServer.Start(f.Diffusion, Local());
        var server = local.Server;
        using (var http = new HttpClient())
            Assert.Equal("OK\n", await http.GetStringAsync(server.Address.ToString().Replace("ws://", "http://") + "healthz"));
        await using var client = await PolicyClient.ConnectAsync(server.Address);
        Assert.Equal("diffusion", client.Metadata["policy"]);
        Assert.Equal("chunk", client.Metadata["mode"]);
        Assert.Equal(2L, client.Metadata["n_obs_steps"]);
        var response = await client.CallAsync(Keypoints(Frame(1)));
        var actions = Assert.IsType<NdArray>(response["actions"]);
        Assert.Equal([15L, 2L], actions.Shape); // H - To + 1 = 16 - 2 + 1 actions of (x, y)
        Assert.Equal("<f4", actions.Dtype);
        Assert.True(Assert.IsType<Dictionary<string, object?>>(response["server_timing"])["infer_ms"] is double ms && ms > 0);
        var second = await client.CallAsync(Keypoints(Frame(2)));
        Assert.True(((Dictionary<string, object?>)second["server_timing"]!).ContainsKey("prev_total_ms")); // openpi adds it from the second request
    }

    /// <summary>Step mode with a one-step queue: each action is predicted from the client's own last two frames, whatever
    /// the other client sends in between; a reset makes the window the new frame twice (DP's MultiStepWrapper).</summary>
    [Fact]
    public async Task Interleaved_clients_keep_their_own_windows_and_reset()
    {
        await using var local = await LocalServer.Start(f.Bc, Local(ServeMode.Step), "policy.n_action_steps=1");
        var (policy, server) = (local.Policy, local.Server);
        await using var a = await PolicyClient.ConnectAsync(server.Address);
        await using var b = await PolicyClient.ConnectAsync(server.Address);
        var chunking = (IChunkingPolicy)policy;
        float[] Expected(float[] older, float[] newer)
        {
            using var window = torch.tensor(older.Concat(newer).ToArray()).reshape(1, 2, 20);
            using var chunk = chunking.PredictChunk(window, null);
            return chunk[0, 0].data<float>().ToArray();
        }
        float[] a0 = Frame(10), a1 = Frame(11), a2 = Frame(12), b0 = Frame(20), b1 = Frame(21);
        var got = new List<(float[] Got, float[] Want)>();
        got.Add(((await a.InferAsync(Keypoints(a0))).Actions, Expected(a0, a0)));
        got.Add(((await b.InferAsync(Keypoints(b0))).Actions, Expected(b0, b0)));
        got.Add(((await a.InferAsync(Keypoints(a1))).Actions, Expected(a0, a1)));
        got.Add(((await b.InferAsync(Keypoints(b1))).Actions, Expected(b0, b1)));
        got.Add(((await a.InferAsync(Keypoints(a2))).Actions, Expected(a1, a2)));
        var reset = Keypoints(b0);
        reset["reset"] = true;
        got.Add(((await b.InferAsync(reset)).Actions, Expected(b0, b0)));
        foreach (var (g, w) in got)
            for (int d = 0; d < 2; d++) Assert.Equal(w[d], g[d], 3);
        Assert.NotEqual(got[0].Got[0], got[2].Got[0], 3); // the window moved: a different action
    }

    [Theory]
    [InlineData("missing", "observation.keypoints")]
    [InlineData("dtype", "observation.keypoints")]
    [InlineData("shape", "observation.keypoints")]
    [InlineData("nan", "observation.keypoints")]
    [InlineData("not a map", "map")]
    [InlineData("garbage", "msgpack")]
    [InlineData("oversized", "larger than")]
    [InlineData("reset type", "reset")]
    public async Task A_bad_request_gets_an_error_frame_and_the_others_are_still_served(string how, string named)
    {
        await using var local = await LocalServer.Start(f.Diffusion, Local(maxMessage: 4096));
        var server = local.Server;
        await using var good = await PolicyClient.ConnectAsync(server.Address);
        var frame = Frame(3);
        object request = how switch
        {
            "missing" => new Dictionary<string, object?> { ["observation.state"] = NdArray.Float32(frame, 20) },
            "dtype" => new Dictionary<string, object?> { ["observation.keypoints"] = new NdArray("<c8", [20], new byte[160]) },
            "shape" => Keypoints(frame[..5]),
            "nan" => Keypoints([.. frame[..19], float.NaN]),
            "not a map" => new List<object?> { 1L, 2L },
            "garbage" => new byte[] { 0xc1, 0x00, 0xff },
            "oversized" => Keypoints(new float[2000], 2000),
            _ => new Dictionary<string, object?> { ["observation.keypoints"] = NdArray.Float32(frame, 20), ["reset"] = "yes" },
        };
        var e = await Assert.ThrowsAsync<PolicyServerException>(() => RawCall(server.Address, request as byte[] ?? MsgpackNumpy.Pack(request)));
        Assert.Contains(named, e.Message);
        var ok = await good.InferAsync(Keypoints(frame));
        Assert.Equal(15, ok.Rows);
        Assert.All(ok.Actions, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>Sends raw bytes as one binary frame on a fresh connection and reads the answer.</summary>
    private static async Task RawCall(Uri server, byte[] frame)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(server, default);
        var buffer = new byte[1 << 16];
        await socket.ReceiveAsync(buffer, default); // metadata
        await socket.SendAsync(frame, WebSocketMessageType.Binary, true, default);
        var r = await socket.ReceiveAsync(buffer, default);
        if (r.MessageType == WebSocketMessageType.Text) throw new PolicyServerException(System.Text.Encoding.UTF8.GetString(buffer, 0, r.Count));
    }

    /// <summary>Mutated frames (bytes flipped, cut, inserted) never stop the server: each gets an answer or an error frame.</summary>
    [Fact]
    public async Task Fuzzed_frames_leave_the_server_serving()
    {
        await using var local = await LocalServer.Start(f.Bc, Local(maxMessage: 1 << 16));
        var server = local.Server;
        var valid = MsgpackNumpy.Pack(Keypoints(Frame(5)));
        var rng = new Random(7);
        int answered = 0, refused = 0;
        for (int i = 0; i < 150; i++)
        {
            var mutated = valid.ToList();
            for (int m = 0, n = 1 + rng.Next(4); m < n; m++)
                switch (rng.Next(3))
                {
                    case 0: mutated[rng.Next(mutated.Count)] = (byte)rng.Next(256); break;
                    case 1: { int at = rng.Next(mutated.Count); mutated.RemoveRange(at, Math.Min(mutated.Count - at, 1 + rng.Next(8))); break; }
                    default: mutated.Insert(rng.Next(mutated.Count), (byte)rng.Next(256)); break;
                }
            try { await RawCall(server.Address, mutated.ToArray()); answered++; }
            catch (PolicyServerException) { refused++; }
        }
        Assert.Equal(150, answered + refused);
        Assert.True(refused > 50, $"only {refused} of 150 mutated frames were refused");
        await using var client = await PolicyClient.ConnectAsync(server.Address);
        Assert.Equal(15, (await client.InferAsync(Keypoints(Frame(6)))).Rows);
    }

    [Fact]
    public async Task The_api_key_is_required_when_set()
    {
        await using var local = await LocalServer.Start(f.Bc, Local(apiKey: "s3cret"));
        var server = local.Server;
        var e = await Assert.ThrowsAsync<IOException>(() => PolicyClient.ConnectAsync(server.Address, "wrong"));
        Assert.Contains("401", e.Message);
        await using var client = await PolicyClient.ConnectAsync(server.Address, "s3cret");
        Assert.Equal(15, (await client.InferAsync(Keypoints(Frame(8)))).Rows);
    }

    /// <summary>Four clients whose requests wait for each other (max batch 4, a long wait) are served by one network call.</summary>
    [Fact]
    public async Task Concurrent_requests_share_one_network_call()
    {
        await using var local = await LocalServer.Start(f.Diffusion, Local(maxBatch: 4, maxWaitMs: 1000));
        var (service, server) = (local.Service, local.Server);
        var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PolicyClient.ConnectAsync(server.Address)));
        var responses = await Task.WhenAll(clients.Select((c, i) => c.InferAsync(Keypoints(Frame(30 + i)))));
        Assert.All(responses, r => Assert.Equal(4, r.BatchSize));
        Assert.Equal(1, service.Batches);
        foreach (var c in clients) await c.DisposeAsync();
    }

    private static float[] StartState(long seed)
    {
        using var env = new PushTEnv();
        env.Reset(seed);
        var state = new float[5];
        env.Observe(ObservationKind.State, state);
        return state;
    }

    /// <summary>The same checkpoint, seed and sampling seed: in process and through the server (one episode each, rate 0,
    /// latest merge, 8 actions per chunk) the episodes are the same to the last digit.</summary>
    [Fact]
    public async Task Served_and_in_process_evaluations_agree()
    {
        for (long seed = 100000; seed < 100002; seed++)
        {
            // A fresh server per episode: its one generator then starts where the in-process evaluation's does.
            await using var server = await LocalServer.Start(f.Diffusion, Local() with { SamplingSeed = 3 });
            using var inProcess = ServingFixture.Load(f.Diffusion);
            float[] localState = new float[5], servedState = new float[5]; // agent x, y, block x, y, angle after the last step
            var local = Evaluator.Run(inProcess, () => new PushTEnv(), new EvalOptions(Episodes: 1, FirstSeed: seed, MaxSteps: 40, SamplingSeed: 3),
                onStep: (_, e) => e.Observe(ObservationKind.State, localState));
            var served = await ServedEvaluation.RunAsync(server.Server.Address, new ClientOptions("pusht", Episodes: 1, FirstSeed: seed, MaxSteps: 40),
                onStep: (_, e) => e.Observe(ObservationKind.State, servedState));
            Assert.Equal(localState, servedState);
            Assert.NotEqual(localState[..2], StartState(seed)[..2]); // the agent moved: the comparison is not of two idle episodes
            Assert.Equal(local.PerEpisode[0].Steps, served.PerEpisode[0].Steps);
            Assert.Equal(local.PerEpisode[0].MaxReward, served.PerEpisode[0].MaxReward, 12);
            Assert.Equal(5, served.PerEpisode[0].Requests); // 40 steps, 8 per chunk
        }
    }
}
