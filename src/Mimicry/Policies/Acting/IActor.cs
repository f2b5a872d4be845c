using static TorchSharp.torch;

namespace Mimicry.Policies.Acting;

/// <summary>
/// What an actor is given at one control step for a set of slots (environments, or a server's clients).
/// </summary>
/// <param name="Observation">Feature key → the newest raw observation of each slot, (B, D), in slot order.</param>
/// <param name="Reward">The reward each slot received for its previous action, (B); 0 right after a reset. Null: not known.</param>
public sealed record StepInput(IReadOnlyDictionary<string, Tensor> Observation, Tensor? Reward = null);

/// <summary>
/// A policy in action: the per-episode state of <see cref="Slots"/> independent episodes (observation
/// history, queued or ensembled actions, returns so far) and the step that turns the newest observation
/// into the action to execute now. The anchors are DP's <c>policy.reset()</c> and LeRobot's
/// <c>select_action</c> with its action queue: <see cref="Act"/> is called once per control step, and the
/// network runs only for the slots that need a new prediction, batched.
/// </summary>
public interface IActor : IDisposable
{
    /// <summary>Number of independent episodes this actor keeps state for.</summary>
    int Slots { get; }

    /// <summary>Starts a new episode in <paramref name="slot"/>: forgets its history and pending actions.</summary>
    void Reset(int slot);

    /// <summary>
    /// One control step for the given slots (each at most once, any order): records their newest
    /// observations and returns the raw actions to execute now, (B, Da), row j for <c>slots[j]</c>.
    /// </summary>
    Tensor Act(ReadOnlySpan<int> slots, StepInput input);

    /// <summary>How many of the slots in the last <see cref="Act"/> call ran the network (0: all were served from state).</summary>
    int LastInferred { get; }
}
