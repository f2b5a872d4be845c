using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mimicry.Serving.Wire;

namespace Mimicry.Serving.Server;

/// <summary>
/// openpi's policy server protocol over Kestrel websockets (openpi <c>serving/websocket_policy_server.py</c>): on
/// connect one binary frame with the policy's metadata; then per binary request frame (a msgpack map of numpy
/// observations) one binary response frame <c>{"actions": (n, Da) float32, "server_timing": {"infer_ms",
/// "prev_total_ms"}, "batch_size"}</c>. A bad request gets one text frame naming the key, then close 1011, as openpi
/// sends its traceback; other connections are not affected. <c>GET /healthz</c> answers "OK\n".
/// </summary>
public sealed class PolicyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly PolicyService _service;
    private readonly ServeOptions _options;
    private readonly Dictionary<string, object?> _metadata;
    private readonly byte[] _metadataFrame;
    private readonly Action<string>? _log;
    private int _connections;

    /// <summary>The websocket address clients connect to (ws://host:port/).</summary>
    public Uri Address { get; private set; } = null!;

    private PolicyServer(PolicyService service, ServeOptions options, string? task, Action<string>? log)
    {
        _service = service;
        _options = options;
        _log = log;
        _metadata = service.Metadata(task);
        _metadataFrame = MsgpackNumpy.Pack(_metadata);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The caller owns Ctrl-C (the CLI's StopSignal, a test's dispose): no console lifetime taking SIGINT/SIGTERM.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, CallerLifetime>();
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxMessageBytes;
            var ip = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            k.Listen(ip, options.Port);
        });
        _app = builder.Build();
        _app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        _app.MapGet("/healthz", () => Results.Text("OK\n"));
        _app.Map("/", Connection);
    }

    /// <summary>Starts serving <paramref name="service"/>; <paramref name="task"/> goes into the metadata.</summary>
    public static async Task<PolicyServer> StartAsync(PolicyService service, ServeOptions options, string? task = null, Action<string>? log = null)
    {
        options.Validate();
        var server = new PolicyServer(service, options, task, log);
        try { await server._app.StartAsync(); }
        catch (IOException e) { throw new IOException($"cannot listen on {options.Host}:{options.Port}: {e.Message}"); }
        string bound = server._app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer)) is Microsoft.AspNetCore.Hosting.Server.IServer s
            ? s.Features.Get<IServerAddressesFeature>()!.Addresses.First() : $"http://{options.Host}:{options.Port}";
        server.Address = new Uri(bound.Replace("http://", "ws://").TrimEnd('/') + "/");
        if (options.Host is "0.0.0.0" or "::")
            log?.Invoke($"warning: listening on {options.Host}: any machine that reaches this one can command the robot's policy{(options.ApiKey == null ? " (no --api-key)" : "")}");
        return server;
    }

    /// <summary>Connections open now.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task Connection(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("a websocket endpoint (openpi's policy protocol); GET /healthz for health\n");
            return;
        }
        if (_options.ApiKey is { } key && context.Request.Headers.Authorization.ToString() != $"Api-Key {key}")
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("missing or wrong 'Authorization: Api-Key <key>' header\n");
            return;
        }
        if (_service.Open() is not { } slot)
        {
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync($"the server is full ({_options.MaxClients} clients; --max-clients)\n");
            return;
        }
        Interlocked.Increment(ref _connections);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = false });
        var cancel = context.RequestAborted;
        try
        {
            await socket.SendAsync(_metadataFrame, WebSocketMessageType.Binary, true, cancel);
            double? previousTotalMs = null;
            var buffer = new byte[64 * 1024];
            while (socket.State == WebSocketState.Open)
            {
                var (frame, type) = await Receive(socket, buffer, cancel);
                if (type == WebSocketMessageType.Close) break;
                var clock = Stopwatch.StartNew();
                Dictionary<string, object?> response;
                try
                {
                    if (type == WebSocketMessageType.Text) throw new InvalidDataException("a text frame: requests are binary msgpack frames");
                    var request = ObservationRequest.Parse(MsgpackNumpy.Unpack(frame), _service.Fields, _service.ObservationFrames, _options.Rename, _service.ActionDim);
                    var served = await _service.Submit(slot, request);
                    var timing = new Dictionary<string, object?> { ["infer_ms"] = served.InferMs };
                    if (previousTotalMs is { } prev) timing["prev_total_ms"] = prev;
                    response = new Dictionary<string, object?>
                    {
                        ["actions"] = NdArray.Float32(served.Actions, served.Rows, served.ActionDim),
                        ["server_timing"] = timing,
                        ["batch_size"] = (long)served.BatchSize,
                    };
                }
                catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException or ObjectDisposedException)
                {
                    await Fail(socket, e.Message, cancel);
                    return;
                }
                await socket.SendAsync(MsgpackNumpy.Pack(response), WebSocketMessageType.Binary, true, cancel);
                previousTotalMs = clock.Elapsed.TotalMilliseconds;
            }
            if (socket.State == WebSocketState.CloseReceived) await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancel);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException) { } // the client went away
        finally
        {
            _service.Close(slot);
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>One whole message, refused past the size limit.</summary>
    private async Task<(ReadOnlyMemory<byte> Frame, WebSocketMessageType Type)> Receive(WebSocket socket, byte[] buffer, CancellationToken cancel)
    {
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancel);
            if (result.MessageType == WebSocketMessageType.Close) return (default, result.MessageType);
            if (message.Length + result.Count > _options.MaxMessageBytes)
            {
                await Fail(socket, $"a message larger than {_options.MaxMessageBytes} bytes (--max-message-mb)", cancel);
                return (default, WebSocketMessageType.Close);
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (message.GetBuffer().AsMemory(0, (int)message.Length), result.MessageType);
        }
    }

    /// <summary>openpi's error path: the reason as a text frame, then close 1011.</summary>
    private async Task Fail(WebSocket socket, string reason, CancellationToken cancel)
    {
        _log?.Invoke($"client error: {reason}");
        await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(reason), WebSocketMessageType.Text, true, cancel);
        await socket.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "Internal server error. Traceback included in previous frame.", cancel);
    }

    private sealed class CallerLifetime : Microsoft.Extensions.Hosting.IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
