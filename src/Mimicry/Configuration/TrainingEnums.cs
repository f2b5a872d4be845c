namespace Mimicry.Configuration;

/// <summary>The learning-rate schedule after warm-up.</summary>
public enum LrSchedulerKind
{
    /// <summary>Half a cosine to 0 (diffusers' get_cosine_schedule_with_warmup, num_cycles 0.5; Diffusion Policy).</summary>
    Cosine,
    /// <summary>Constant (LeRobot's ACT: no scheduler).</summary>
    Constant,
}

/// <summary>How training episodes are chosen.</summary>
public enum SplitKind
{
    /// <summary>A seeded shuffle holds out round(n · val_fraction) episodes; max_train_episodes keeps the first of the rest.</summary>
    Seeded,
    /// <summary>The Diffusion Policy paper's Push-T split: validation {18, 90, 134, 157}, 90 training episodes (Data.Sampling.DiffusionPolicySplit).</summary>
    DpPusht,
}
