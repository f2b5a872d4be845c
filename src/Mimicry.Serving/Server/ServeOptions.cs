namespace Mimicry.Serving.Server;

/// <summary>What a request returns: a whole chunk to be executed by the client, or the actor's one action for this step.</summary>
public enum ServeMode
{
    /// <summary>openpi's way: each request returns the action chunk (H, Da) predicted from the slot's observation window;
    /// the client executes a prefix (its chunk broker). The default for chunking policies executed with a receding horizon.</summary>
    Chunk,
    /// <summary>Each request is one control step of the slot's actor (temporal ensembling, Decision Transformer's
    /// history, a receding-horizon queue kept on the server); returns (1, Da).</summary>
    Step,
}

/// <summary>Settings of <c>mimicry serve</c>.</summary>
/// <param name="Host">Address to bind; 127.0.0.1 unless told otherwise (0.0.0.0 exposes the robot's policy to the network).</param>
/// <param name="Port">TCP port (openpi's default 8000; 0: any free port).</param>
/// <param name="ApiKey">When set, a connection must send <c>Authorization: Api-Key KEY</c> (openpi's client header).</param>
/// <param name="MaxBatch">Requests batched into one network call at most (1: no batching).</param>
/// <param name="MaxWaitMs">How long the first request of a batch waits for others.</param>
/// <param name="MaxClients">Connections served at once (a slot of per-client state each).</param>
/// <param name="MaxMessageBytes">Larger messages are refused (error frame, close).</param>
/// <param name="Rename">Client key → the policy's feature name (e.g. "observation/state" → "observation.state").</param>
/// <param name="Mode">Null: chunk for chunking policies executed with a receding horizon, step for the rest.</param>
/// <param name="SamplingSeed">Seed of the sampling noise (one generator for the server, drawn in batch order).</param>
public sealed record ServeOptions(string Host = "127.0.0.1", int Port = 8000, string? ApiKey = null, int MaxBatch = 32, double MaxWaitMs = 2,
    int MaxClients = 64, long MaxMessageBytes = 64L << 20, IReadOnlyDictionary<string, string>? Rename = null, ServeMode? Mode = null, int SamplingSeed = 0)
{
    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be in 0..65535, got {Port}");
        if (MaxBatch < 1) throw new ArgumentException($"--max-batch must be >= 1, got {MaxBatch}");
        if (MaxWaitMs is < 0 or > 1000 || !double.IsFinite(MaxWaitMs)) throw new ArgumentException($"--max-wait-ms must be in 0..1000, got {MaxWaitMs}");
        if (MaxClients is < 1 or > 4096) throw new ArgumentException($"--max-clients must be in 1..4096, got {MaxClients}");
        if (MaxMessageBytes < 1024) throw new ArgumentException($"--max-message-mb is too small ({MaxMessageBytes} bytes)");
        if (ApiKey is { Length: 0 }) throw new ArgumentException("--api-key is empty");
        if (SamplingSeed < 0) throw new ArgumentException($"--sampling-seed must be >= 0, got {SamplingSeed}");
        if (!System.Net.IPAddress.TryParse(Host, out _) && Host != "localhost") throw new ArgumentException($"--host '{Host}' is not an IP address");
    }
}
