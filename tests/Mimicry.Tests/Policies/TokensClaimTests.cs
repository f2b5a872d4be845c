using Mimicry.Envs;
using Mimicry.Policies;
using Mimicry.Policies.Tokens;

namespace Mimicry.Tests.Policies;

/// <summary>The token row's claim weighs the replay (what rounding alone costs) against the learned gap.</summary>
public class TokensClaimTests
{
    private static ClaimRow Row(string id, string policy, double reward) =>
        new(id, id, policy, Tasks.PushT, reward, 0, 0, 1000, 1, null, 0, 0, null, null, null);

    private static (string Evidence, string Verdict) Check(double tokens, double best, double recorded, double relative128)
    {
        var claim = TokensEntry.Entry.Claims.Single(c => c.Paradigm == "Tokens");
        var facts = new Dictionary<string, double> { ["replay/none (recorded actions)"] = recorded, ["replay/relative bins128"] = relative128 };
        var context = new ClaimContext([Row(TokensEntry.Bins, "tokens", tokens), Row("diffusion", "diffusion", best)], PolicyRegistry.All, facts);
        return claim.Check(context)!.Value;
    }

    [Fact]
    public void A_small_rounding_cost_beside_a_large_gap_says_precision_is_not_what_loses()
    {
        var (evidence, verdict) = Check(tokens: 0.50, best: 0.90, recorded: 0.947, relative128: 0.933);
        Assert.Contains("recorded 0.947, relative 128 bins 0.933", evidence);
        Assert.Contains("costs 0.014 open loop, the learned row trails by 0.400", verdict);
    }

    [Fact]
    public void A_rounding_cost_as_large_as_the_gap_supports_the_claim()
    {
        Assert.StartsWith("supported", Check(tokens: 0.80, best: 0.90, recorded: 0.947, relative128: 0.88).Verdict);
        Assert.Equal(PolicyClaim.NotSupported, Check(tokens: 0.95, best: 0.90, recorded: 0.947, relative128: 0.933).Verdict);
    }
}
