using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Training.Optim;

/// <summary>
/// Reads the optimizer state of checkpoints written before <see cref="FlatAdamW"/>: TorchSharp's AdamW
/// <c>optimizer.bin</c>, one parameter group over <c>Network.parameters()</c> in the network's order (what every
/// policy trained with then, the token policy included: its own groups were never used).
/// </summary>
public static class LegacyOptimizerState
{
    /// <returns>Moments by parameter name (the caller disposes them) and the step count.</returns>
    public static (Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> ByName, long Step) Read(nn.Module network, string file)
    {
        // A throwaway network of the same parameters: TorchSharp's loader needs an optimizer over tensors of the right shapes.
        var named = network.named_parameters().ToList();
        var stand = named.Select(p => new TorchSharp.Modules.Parameter(torch.zeros_like(p.parameter, device: CPU))).ToList();
        using var optimizer = optim.AdamW(stand, 1e-4);
        optimizer.load_state_dict(file);
        var states = optimizer.state_dict().State;
        if (states.Count != named.Count) throw new InvalidDataException($"{file}: {states.Count} parameter states, the network has {named.Count} parameters");
        var byName = new Dictionary<string, (Tensor, Tensor)>();
        long step = 0;
        for (int i = 0; i < named.Count; i++)
        {
            var s = (TorchSharp.Modules.AdamW.State)states[i];
            byName[named[i].name] = (s.exp_avg.detach().clone(), s.exp_avg_sq.detach().clone());
            step = Math.Max(step, s.step);
        }
        foreach (var p in stand) p.Dispose();
        return (byName, step);
    }
}
