namespace Mimicry.Configuration;

/// <summary>
/// Optimization settings shared by every policy. Defaults are the Diffusion Policy's
/// (train_diffusion_unet_lowdim_workspace.yaml): AdamW lr 1e-4, betas (0.95, 0.999), weight decay 1e-6,
/// cosine schedule with 500 warm-up steps, batch 256, EMA with power 0.75 up to 0.9999; plus gradient
/// clipping at norm 10 (LeRobot's default; DP does not clip).
/// </summary>
public sealed record TrainConfig
{
    public int Steps { get; init; } = 5000;
    /// <summary>
    /// A time budget in training minutes on this machine (0: off, train.steps as given). The run times its own steps early
    /// on and scales train.steps, warmup_steps and checkpoint_every by one factor to fill the minutes; train.steps is then the
    /// plan's first guess, which sets the schedule's shape.
    /// </summary>
    public double Minutes { get; init; }
    public int BatchSize { get; init; } = 256;
    public double Lr { get; init; } = 1e-4;
    public double Beta1 { get; init; } = 0.95;
    public double Beta2 { get; init; } = 0.999;
    public double AdamEps { get; init; } = 1e-8;
    public double WeightDecay { get; init; } = 1e-6;
    public int WarmupSteps { get; init; } = 500;
    /// <summary>After warm-up: cosine to 0 (DP) or constant (LeRobot's ACT).</summary>
    public LrSchedulerKind LrScheduler { get; init; } = LrSchedulerKind.Cosine;
    /// <summary>Clip the global gradient norm to this (0: off).</summary>
    public double GradClipNorm { get; init; } = 10;

    public bool UseEma { get; init; } = true;
    public double EmaPower { get; init; } = 0.75;
    public double EmaInvGamma { get; init; } = 1.0;
    public double EmaMinValue { get; init; } = 0.0;
    public double EmaMaxValue { get; init; } = 0.9999;
    public int EmaUpdateAfterStep { get; init; } = 0;

    public int Seed { get; init; } = 42;
    /// <summary>Fraction of episodes held out for validation loss (DP: 0.02).</summary>
    public double ValFraction { get; init; } = 0.02;
    /// <summary>How episodes are split: seeded (val_fraction, max_train_episodes) or dp_pusht (the paper's 90 / 4 Push-T episodes).</summary>
    public SplitKind Split { get; init; } = SplitKind.Seeded;
    /// <summary>At most this many training episodes (DP Push-T: 90); null: every episode not held out.</summary>
    public int? MaxTrainEpisodes { get; init; }
    /// <summary>
    /// Train only on episodes whose return (the best reward over the episode, or a mixed dataset's label) is at
    /// least this: filtered BC, the baseline return conditioning has to beat. Null: every training episode.
    /// </summary>
    public double? MinEpisodeReturn { get; init; }
    /// <summary>Also keep the acting weights of the last K checkpoints in <c>RUN/checkpoints/step-N/</c> (0: only the latest), for paper-style reporting.</summary>
    public int KeepCheckpoints { get; init; }
    /// <summary>
    /// Keep the checkpoint where this validation measure is lowest in <c>RUN/checkpoints/best/</c> (measured at every
    /// checkpoint, on the acting weights): <c>val_loss</c>, or a measure the policy reports (the token policy's
    /// <c>decoded_l1</c>, the error of the actions it decodes). Null: none kept. Evaluate it with <c>--checkpoints best</c>.
    /// </summary>
    public string? BestOn { get; init; }
    public int LogEvery { get; init; } = 50;
    public int CheckpointEvery { get; init; } = 1000;
    /// <summary>Evaluate in simulation every this many steps (0: only when asked).</summary>
    public int EvalEvery { get; init; } = 0;
    public int EvalEpisodes { get; init; } = 50;
    /// <summary>Torch intra-op threads (0: torch's default).</summary>
    public int Threads { get; init; } = 0;

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"train.steps must be >= 1, got {Steps}");
        if (!(Minutes >= 0 && Minutes <= 100_000)) throw new ArgumentException($"train.minutes must be in [0, 100000] (0: off), got {Minutes}");
        if (BatchSize < 1) throw new ArgumentException($"train.batch_size must be >= 1, got {BatchSize}");
        foreach (var (name, value) in new[] { ("lr", Lr), ("beta1", Beta1), ("beta2", Beta2), ("adam_eps", AdamEps), ("weight_decay", WeightDecay),
                     ("grad_clip_norm", GradClipNorm), ("val_fraction", ValFraction), ("ema_power", EmaPower), ("ema_inv_gamma", EmaInvGamma),
                     ("ema_min_value", EmaMinValue), ("ema_max_value", EmaMaxValue) })
            if (!double.IsFinite(value)) throw new ArgumentException($"train.{name} must be a finite number, got {value}");
        if (Lr <= 0) throw new ArgumentException($"train.lr must be > 0, got {Lr}");
        if (Beta1 < 0 || Beta1 >= 1 || Beta2 < 0 || Beta2 >= 1) throw new ArgumentException($"train.beta1 and train.beta2 must be in [0, 1), got {Beta1} and {Beta2}");
        if (AdamEps <= 0) throw new ArgumentException($"train.adam_eps must be > 0, got {AdamEps}");
        if (WeightDecay < 0) throw new ArgumentException($"train.weight_decay must be >= 0, got {WeightDecay}");
        if (Seed < 0) throw new ArgumentException($"train.seed must be >= 0, got {Seed}");
        if (EmaMinValue < 0 || EmaMaxValue > 1 || EmaMinValue > EmaMaxValue || EmaPower <= 0 || EmaInvGamma <= 0)
            throw new ArgumentException($"train.ema_*: need 0 <= ema_min_value <= ema_max_value <= 1, ema_power > 0, ema_inv_gamma > 0");
        if (EvalEvery < 0 || EvalEpisodes < 1) throw new ArgumentException($"train.eval_every must be >= 0 and train.eval_episodes >= 1, got {EvalEvery} and {EvalEpisodes}");
        if (MinEpisodeReturn is { } m && !double.IsFinite(m)) throw new ArgumentException($"train.min_episode_return must be finite (or null: every episode), got {m}");
        if (MaxTrainEpisodes is < 1) throw new ArgumentException($"train.max_train_episodes must be >= 1 (or null: all), got {MaxTrainEpisodes}");
        if (BestOn is { } b && (b.Length == 0 || !b.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            throw new ArgumentException($"train.best_on must be a measure's name (val_loss, or one the policy reports, e.g. decoded_l1), got '{b}'");
        if (KeepCheckpoints < 0) throw new ArgumentException($"train.keep_checkpoints must be >= 0, got {KeepCheckpoints}");
        if (Threads < 0) throw new ArgumentException($"train.threads must be >= 0 (0: torch's default), got {Threads}");
        if (WarmupSteps < 0) throw new ArgumentException($"train.warmup_steps must be >= 0, got {WarmupSteps}");
        if (GradClipNorm < 0) throw new ArgumentException($"train.grad_clip_norm must be >= 0 (0: off), got {GradClipNorm}");
        if (ValFraction < 0 || ValFraction >= 1) throw new ArgumentException($"train.val_fraction must be in [0, 1), got {ValFraction}");
        if (LogEvery < 1 || CheckpointEvery < 1) throw new ArgumentException("train.log_every and train.checkpoint_every must be >= 1");
    }
}
