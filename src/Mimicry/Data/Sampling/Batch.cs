using static TorchSharp.torch;

namespace Mimicry.Data.Sampling;

/// <summary>
/// One training batch. Observations: feature name → (B, n_obs_steps, dim), normalized. Actions:
/// (B, horizon, action_dim), normalized. ActionIsPad: (B, horizon) bool, true where the window ran past
/// the episode and the action was filled by edge padding.
/// </summary>
public sealed class Batch(Dictionary<string, Tensor> observations, Tensor action, Tensor actionIsPad) : IDisposable
{
    public Dictionary<string, Tensor> Observations { get; } = observations;
    public Tensor Action { get; } = action;
    public Tensor ActionIsPad { get; } = actionIsPad;
    public long Size => Action.shape[0];

    public void Dispose()
    {
        foreach (var t in Observations.Values) t.Dispose();
        Action.Dispose();
        ActionIsPad.Dispose();
    }
}
