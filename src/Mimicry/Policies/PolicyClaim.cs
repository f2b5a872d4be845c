namespace Mimicry.Policies;

/// <summary>
/// The figures of one comparison row (a variant on a task, over its training seeds) that a claim may weigh:
/// <paramref name="Id"/> is the variant's declared id, <paramref name="Policy"/> its registered policy.
/// </summary>
public sealed record ClaimRow(string Id, string Row, string Policy, string Task, double RewardMean, double RewardStd, double SuccessMean,
    int TrainSteps, int NetworkPasses, double? Batch1P50Ms, double MeanChange, double P99BoundaryChange, double? ForkLeft, double? ForkMiddle, double? ForkRight);

/// <summary>The rows of one comparison, for checking claims: by declared variant id, by task, and the baseline's.</summary>
/// <param name="facts">Measurements made beside the rows, by name (e.g. "replay/fast": the demonstrations' score replayed through a tokenizer).</param>
public sealed class ClaimContext(IReadOnlyList<ClaimRow> rows, IReadOnlyList<PolicyEntry> entries, IReadOnlyDictionary<string, double>? facts = null)
{
    public IReadOnlyList<ClaimRow> Rows { get; } = rows;

    /// <summary>A measurement made beside the rows; null when this comparison did not make it.</summary>
    public double? Fact(string name) => facts != null && facts.TryGetValue(name, out var v) ? v : null;

    /// <summary>The row of a variant id on a task; null when the comparison did not run it.</summary>
    public ClaimRow? Find(string id, string task) => Rows.FirstOrDefault(r => r.Id == id && r.Task == task);

    public IEnumerable<ClaimRow> OnTask(string task) => Rows.Where(r => r.Task == task);

    /// <summary>The first row of the baseline policy (<see cref="PolicyEntry.Baseline"/>) on a task.</summary>
    public ClaimRow? Baseline(string task) =>
        entries.Where(e => e.Baseline).Select(e => OnTask(task).FirstOrDefault(r => r.Policy == e.Name)).FirstOrDefault(r => r != null);
}

/// <summary>
/// A paradigm's usual claim ("diffusion keeps both modes"), checked against a comparison: <paramref name="Check"/> gives
/// the evidence and the verdict, or null when the comparison lacks the rows it needs.
/// </summary>
public sealed record PolicyClaim(string Paradigm, string Claim, Func<ClaimContext, (string Evidence, string Verdict)?> Check)
{
    public const string Supported = "supported", NotSupported = "**not supported by this run**";

    /// <summary>A claim no comparison run measures; the evidence says where it is measured.</summary>
    public static PolicyClaim Elsewhere(string paradigm, string claim, string evidence, string verdict = "not measured here") =>
        new(paradigm, claim, _ => (evidence, verdict));
}
