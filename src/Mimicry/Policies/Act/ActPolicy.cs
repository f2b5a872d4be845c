using Mimicry.Numerics;
using Mimicry.Data.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Policies.Act;

/// <summary>
/// ACT (Zhao et al. 2023): a CVAE over action chunks. Loss (lerobot/policies/act/modeling_act.py, ACTPolicy.forward):
/// L1 over the non-padded actions, Σ|a − â|·valid / (count(valid)·A) (LeRobot since PR #3442), plus
/// kl_weight · KL(N(μ, σ²) ‖ N(0, I)) summed over latent dimensions and averaged over the batch:
/// KL = −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²) (Kingma &amp; Welling 2014, App. B). Acting: z = 0 (or a prior draw),
/// one chunk of S actions; executed with a receding horizon or temporal ensembling (the actors).
/// </summary>
public sealed class ActPolicy : PolicyBase<ActConfig>
{
    private readonly ActNetwork _net;

    public override nn.Module Network => _net;

    private int EnvStateDim => ObsDim - Cfg.RobotStateDim;
    protected override bool ReadsImages => true;

    public ActPolicy(ActConfig config, PolicyNormalizers normalizers, Device? device = null) : base(config, normalizers, device)
    {
        if (config.RobotStateDim > ObsDim) throw new ArgumentException($"policy.robot_state_dim ({config.RobotStateDim}) exceeds the observation's {ObsDim} values ({config.ObservationKey})");
        _net = (ActNetwork)CreateNetwork();
    }

    public override double? ForwardFlopsPerSample(bool training) => ActNetwork.ForwardFlops(Cfg, Cfg.RobotStateDim, EnvStateDim, ActionDim, 1, training);

    public override nn.Module CreateNetwork()
    {
        var net = new ActNetwork(Cfg, Cfg.RobotStateDim, EnvStateDim, ActionDim, Cfg.ImageKeys.Length);
        net.to(Device);
        return net;
    }

    /// <summary>(robot state (B, Ds), environment state (B, De) or null) from a normalized observation window (B, 1, Do).</summary>
    private (Tensor Robot, Tensor? Env) Split(Tensor obs)
    {
        var o = ObservedWindow(obs)[.., 0];
        return (o[.., EnvStateDim..], EnvStateDim > 0 ? o[.., ..EnvStateDim] : null);
    }

    public override LossOutput ComputeLoss(Batch batch, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var (robot, env) = Split(batch[Cfg.ObservationKey]);
        var actions = batch.Action;                      // (B, S, A), normalized
        var isPad = batch.ActionIsPad;                   // (B, S)
        Tensor z, kl;
        if (Cfg.UseVae)
        {
            var (mu, logVar) = _net.Posterior(robot, actions, isPad);
            z = mu + (0.5 * logVar).exp() * RandomDraws.Normal(mu.shape, generator, mu.device);
            kl = KlToStandardNormal(mu, logVar);
        }
        else
        {
            z = torch.zeros(actions.shape[0], Cfg.LatentDim, device: actions.device);
            kl = torch.zeros(1, device: actions.device).squeeze();
        }
        var predicted = _net.Decode(z, robot, env, Cameras(Cfg.ImageKeys.ToDictionary(k => k, k => batch[k]))); // (B, S, A)
        var valid = (~isPad).unsqueeze(-1).to(predicted.dtype);
        var l1 = ((actions - predicted).abs() * valid).sum() / (valid.sum() * ActionDim).clamp_min(1);
        var loss = l1 + Cfg.KlWeight * kl;
        return new LossOutput(loss.MoveToOuterDisposeScope(),
            new Dictionary<string, Tensor> { ["l1"] = l1.detach().MoveToOuterDisposeScope(), ["kl"] = kl.detach().MoveToOuterDisposeScope() });
    }

    /// <summary>KL(N(μ, σ²) ‖ N(0, I)) summed over the latent, averaged over the batch; μ, log σ² (B, L).</summary>
    public static Tensor KlToStandardNormal(Tensor mu, Tensor logVar) =>
        (-0.5 * (1 + logVar - mu.pow(2) - logVar.exp())).sum(1).mean();

    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, Generator? generator) =>
        PredictNormalizedWindow(normalizedObservations, new Dictionary<string, Tensor>(), generator);

    protected override Tensor PredictNormalizedWindow(Tensor normalizedObservations, IReadOnlyDictionary<string, Tensor> images, Generator? generator)
    {
        var (robot, env) = Split(normalizedObservations);
        long b = normalizedObservations.shape[0];
        var z = Cfg.Latent == LatentAtInference.Prior
            ? RandomDraws.Normal([b, Cfg.LatentDim], generator, Device)
            : torch.zeros(b, Cfg.LatentDim, device: Device);
        return _net.Decode(z, robot, env, Cameras(images));
    }

    /// <summary>Each camera's newest frame (B, C, H, W) scaled from 0..255 to [-1, 1], in policy.image_keys order.</summary>
    private List<Tensor> Cameras(IReadOnlyDictionary<string, Tensor> images) =>
        Cfg.ImageKeys.Select(k => Nn.Vision.ImageEncoder.ToSymmetricRange(images[k][.., -1])).ToList();
}
