using System.Diagnostics;
using System.Net.WebSockets;
using Mimicry.Serving.Wire;

namespace Mimicry.Serving.Client;

/// <summary>The server closed the connection with an error frame (openpi: the traceback as text, then close 1011).</summary>
public sealed class PolicyServerException(string message) : IOException(message);

/// <summary>The actions of one response and how long it took.</summary>
/// <param name="Actions">(Rows, ActionDim) row-major.</param>
/// <param name="RoundTripMs">From sending the request to reading the response, as the client sees it.</param>
/// <param name="InferMs">The server's network time for the batch that held this request.</param>
public sealed record ActionResponse(float[] Actions, int Rows, int ActionDim, double RoundTripMs, double InferMs, int BatchSize)
{
    public ReadOnlySpan<float> Row(int i) => Actions.AsSpan(i * ActionDim, ActionDim);
}

/// <summary>
/// A client of an openpi-protocol policy server (openpi-client's <c>WebsocketClientPolicy</c>): connects, reads the
/// metadata frame, then sends observation maps and reads action maps, one request at a time.
/// </summary>
public sealed class PolicyClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    /// <summary>The server's metadata (Mimicry: policy, observation keys and shapes, n_obs_steps, action_dim, ...).</summary>
    public IReadOnlyDictionary<string, object?> Metadata { get; private set; } = new Dictionary<string, object?>();

    private PolicyClient() { }

    /// <summary>Connects to <paramref name="server"/> (ws://host:port), sending the API key header when given.</summary>
    public static async Task<PolicyClient> ConnectAsync(Uri server, string? apiKey = null, CancellationToken cancel = default)
    {
        var client = new PolicyClient();
        client._socket.Options.DangerousDeflateOptions = null;
        if (apiKey != null) client._socket.Options.SetRequestHeader("Authorization", $"Api-Key {apiKey}");
        try { await client._socket.ConnectAsync(server, cancel); }
        catch (WebSocketException e) { client._socket.Dispose(); throw new IOException($"cannot connect to {server}: {e.Message}"); }
        client.Metadata = await client.ReceiveMap(cancel);
        return client;
    }

    /// <summary>Sends one request map and returns the server's response map.</summary>
    public async Task<Dictionary<string, object?>> CallAsync(IReadOnlyDictionary<string, object?> request, CancellationToken cancel = default)
    {
        await _socket.SendAsync(MsgpackNumpy.Pack(request), WebSocketMessageType.Binary, true, cancel);
        return await ReceiveMap(cancel);
    }

    /// <summary>Observations (feature → numpy array) in, actions out.</summary>
    public async Task<ActionResponse> InferAsync(IReadOnlyDictionary<string, object?> observation, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var response = await CallAsync(observation, cancel);
        double ms = clock.Elapsed.TotalMilliseconds;
        if (response.GetValueOrDefault("actions") is not NdArray actions || actions.Shape.Length != 2)
            throw new InvalidDataException("the server's response has no 'actions' array of shape (n, action_dim)");
        double infer = response.GetValueOrDefault("server_timing") is Dictionary<string, object?> t && t.GetValueOrDefault("infer_ms") is double d ? d : double.NaN;
        int batch = response.GetValueOrDefault("batch_size") is long b ? (int)b : 0;
        return new ActionResponse(actions.ToFloats("actions"), (int)actions.Shape[0], (int)actions.Shape[1], ms, infer, batch);
    }

    private async Task<Dictionary<string, object?>> ReceiveMap(CancellationToken cancel)
    {
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(_buffer, cancel);
            if (result.MessageType == WebSocketMessageType.Close)
                throw new PolicyServerException($"the server closed the connection ({result.CloseStatus}: {result.CloseStatusDescription})");
            message.Write(_buffer, 0, result.Count);
        } while (!result.EndOfMessage);
        if (result.MessageType == WebSocketMessageType.Text)
            throw new PolicyServerException($"the server refused the request: {System.Text.Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length)}");
        return MsgpackNumpy.Unpack(message.GetBuffer().AsMemory(0, (int)message.Length)) as Dictionary<string, object?>
            ?? throw new InvalidDataException("the server sent a frame that is not a msgpack map");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        _socket.Dispose();
    }
}
