using Mimicry.Tests.Cli;

namespace Mimicry.Tests.Reliability;

/// <summary>
/// What the second probe's cases share (../shared/notes/reliability-probe-2.md, "Setup"): a 12-episode fork dataset and
/// tiny runs of every policy on it, trained once for the whole class.
/// </summary>
public sealed class Probe2Fixture : IDisposable
{
    public string Root { get; } = TempDirs.New("probe2");
    public string Data { get; }

    /// <summary>The probe's shorthands: threads and batch, then each policy's tiny settings.</summary>
    public static readonly string[] T = ["--set", "train.threads=1", "--set", "train.batch_size=16"];
    public static readonly string[] U = ["--set", "policy.down_dims=[16,32]", "--set", "policy.diffusion_step_embed_dim=32"];
    public static readonly string[] Act = ["--set", "policy.dim_model=32", "--set", "policy.n_heads=4", "--set", "policy.dim_feedforward=64", "--set", "policy.n_encoder_layers=1",
        "--set", "policy.n_vae_encoder_layers=1", "--set", "policy.horizon=8", "--set", "policy.n_action_steps=8", "--set", "policy.latent_dim=4", "--set", "policy.n_obs_steps=1"];
    public static readonly string[] Dt = ["--set", "policy.embed_dim=32", "--set", "policy.n_layer=1", "--set", "policy.n_head=2", "--set", "policy.n_obs_steps=4",
        "--set", "policy.horizon=4", "--set", "policy.n_action_steps=1", "--set", "policy.max_episode_length=64"];
    public static readonly string[] Tok = ["--set", "policy.embed_dim=32", "--set", "policy.n_layer=1", "--set", "policy.n_head=2", "--set", "policy.bins=16"];
    public static readonly string[] Bc = ["--set", "policy.hidden_dims=[32]"];

    private readonly Dictionary<string, string> _runs = new();

    public Probe2Fixture() => Data = CliTests.ForkData(Root, 12);

    /// <summary>Arguments of a short training of <paramref name="policy"/> on the fork data into <paramref name="run"/>.</summary>
    public string[] Train(string policy, string run, params string[] extra) =>
        ["train", policy, "--dataset", Data, "--out", run, "--steps", "10", .. T, .. Settings(policy), .. extra];

    public static string[] Settings(string policy) => policy switch
    {
        "diffusion" or "flow" => U,
        "act" => Act,
        "dt" => Dt,
        "tokens" => Tok,
        _ => Bc,
    };

    /// <summary>A trained tiny run (once per name): "bc", "act", "dt", "tokens", "flow", "cfg" (diffusion with the side as a condition).</summary>
    public string Run(string name)
    {
        lock (_runs)
        {
            if (_runs.TryGetValue(name, out var done)) return done;
            string run = Path.Combine(Root, "r", name);
            string policy = name == "cfg" ? "diffusion" : name;
            string[] extra = name == "cfg" ? ["--set", "policy.condition=demo.side"] : [];
            var r = CliTests.Run(Train(policy, run, extra));
            Assert.True(r.Code == 0, $"{name}: {r.Err}");
            return _runs[name] = run;
        }
    }

    public void Dispose() => TempDirs.Delete(Root);
}
