namespace Mimicry.Policies.Bc;

/// <summary>
/// Behaviour cloning by regression: an MLP maps the flattened observation window to the action window
/// and is trained with mean squared error. With the defaults it predicts the same H = 16 action chunk
/// and executes Ta = 8 of them, like Diffusion Policy, so the comparison isolates the loss (regression
/// versus a generative model); set horizon = 2, n_action_steps = 1 for classic single-step BC.
/// </summary>
public sealed record BcConfig : PolicyConfig
{
    /// <summary>Hidden layer widths.</summary>
    public int[] HiddenDims { get; init; } = [256, 256, 256];
    public double Dropout { get; init; } = 0.0;

    public override void Validate()
    {
        base.Validate();
        if (HiddenDims.Length == 0 || HiddenDims.Any(d => d <= 0)) throw new ArgumentException($"policy.hidden_dims [{string.Join(",", HiddenDims)}] must be positive");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"policy.dropout must be in [0, 1), got {Dropout}");
    }
}
