using Mimicry.Nn;
using Mimicry.Nn.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Policies.Act;

/// <summary>
/// ACT's network (lerobot/policies/act/modeling_act.py, class ACT; module names as there), for low-dimensional
/// observations. Training: a CVAE encoder reads [CLS, robot state, action chunk] and gives q(z | s, a) = N(μ, σ²).
/// The transformer encoder reads three tokens [z, robot state, environment state] with learned 1-D positions; a
/// decoder of S learned queries cross-attends to it, and a linear head gives the chunk (B, S, A).
/// <code>
///  CVAE encoder: [cls; W_s s; W_a a_1..a_S] (B, S+2, D) + sinusoid → layers → out[CLS] → (μ, log σ²) (B, 2L)
///  z = μ + σ ε (training) | 0 (acting)
///  encoder: [W_z z; W_s s; W_e e] (3, B, D), pos (3, 1, D) → memory (3, B, D)
///  decoder: zeros (S, B, D), queries pos (S, 1, D), memory → (S, B, D) → action_head → (B, S, A)
/// </code>
/// </summary>
public sealed class ActNetwork : nn.Module
{
    private readonly DetrEncoder? vae_encoder;
    private readonly Embedding? vae_encoder_cls_embed;
    private readonly Linear? vae_encoder_robot_state_input_proj;
    private readonly Linear? vae_encoder_action_input_proj;
    private readonly Linear? vae_encoder_latent_output_proj;
    private readonly DetrEncoder encoder;
    private readonly DetrDecoder decoder;
    private readonly Linear encoder_robot_state_input_proj;
    private readonly Linear? encoder_env_state_input_proj;
    private readonly Linear encoder_latent_input_proj;
    private readonly Embedding encoder_1d_feature_pos_embed;
    private readonly Embedding decoder_pos_embed;
    private readonly Linear action_head;
    private readonly ResNetTrunk? backbone;
    private readonly Conv2d? encoder_img_feat_input_proj;

    private readonly ActConfig _cfg;
    private readonly float[]? _vaePositions; // LeRobot's fixed vae_encoder_pos_enc, (S+2)·D, computed once

    /// <param name="cameras">Cameras read (LeRobot: a shared ResNet-18 backbone whose layer4 feature map, projected to D by a
    /// 1x1 convolution, adds h·w encoder tokens per camera with 2-D sinusoidal positions).</param>
    public ActNetwork(ActConfig cfg, int robotStateDim, int envStateDim, int actionDim, int cameras = 0) : base(nameof(ActNetwork))
    {
        _cfg = cfg;
        int d = cfg.DimModel, s = cfg.Horizon;
        if (cfg.UseVae)
        {
            vae_encoder = new DetrEncoder(cfg.NVaeEncoderLayers, d, cfg.NHeads, cfg.DimFeedforward, cfg.Dropout, cfg.PreNorm, cfg.FeedforwardActivation);
            vae_encoder_cls_embed = nn.Embedding(1, d);
            vae_encoder_robot_state_input_proj = nn.Linear(robotStateDim, d);
            vae_encoder_action_input_proj = nn.Linear(actionDim, d);
            vae_encoder_latent_output_proj = nn.Linear(d, 2 * cfg.LatentDim);
            _vaePositions = SinusoidalPositions.Values(2 + s, d);
        }
        encoder = new DetrEncoder(cfg.NEncoderLayers, d, cfg.NHeads, cfg.DimFeedforward, cfg.Dropout, cfg.PreNorm, cfg.FeedforwardActivation);
        decoder = new DetrDecoder(cfg.NDecoderLayers, d, cfg.NHeads, cfg.DimFeedforward, cfg.Dropout, cfg.PreNorm, cfg.FeedforwardActivation);
        encoder_robot_state_input_proj = nn.Linear(robotStateDim, d);
        if (envStateDim > 0) encoder_env_state_input_proj = nn.Linear(envStateDim, d);
        encoder_latent_input_proj = nn.Linear(cfg.LatentDim, d);
        encoder_1d_feature_pos_embed = nn.Embedding(envStateDim > 0 ? 3 : 2, d);
        decoder_pos_embed = nn.Embedding(s, d);
        action_head = nn.Linear(d, actionDim);
        if (cameras > 0)
        {
            backbone = new ResNetTrunk(cfg.BackboneWidths);
            encoder_img_feat_input_proj = nn.Conv2d(backbone.OutChannels, d, 1);
        }
        RegisterComponents();
        // ACT._reset_parameters: Xavier-uniform on the transformer's matrices only.
        using (torch.no_grad())
            foreach (var (_, p) in encoder.named_parameters().Concat(decoder.named_parameters()))
                if (p.dim() > 1) nn.init.xavier_uniform_(p);
    }

    /// <summary>The CVAE posterior's (μ, log σ²), each (B, L), from the robot state (B, Ds) and the chunk (B, S, A).</summary>
    public (Tensor Mu, Tensor LogVar) Posterior(Tensor robotState, Tensor actions, Tensor actionIsPad)
    {
        if (vae_encoder is null) throw new InvalidOperationException("policy.use_vae is false: there is no CVAE encoder");
        using var scope = torch.NewDisposeScope();
        long b = actions.shape[0];
        var cls = vae_encoder_cls_embed!.weight!.unsqueeze(0).expand(b, 1, -1);                   // (B, 1, D)
        var state = vae_encoder_robot_state_input_proj!.forward(robotState).unsqueeze(1);          // (B, 1, D)
        var acts = vae_encoder_action_input_proj!.forward(actions);                                // (B, S, D)
        var tokens = torch.cat([cls, state, acts], dim: 1).permute(1, 0, 2);                       // (S+2, B, D)
        var pad = torch.cat([torch.zeros(b, 2, ScalarType.Bool, actions.device), actionIsPad], dim: 1); // (B, S+2)
        var pos = torch.tensor(_vaePositions!, device: actions.device).reshape(2 + _cfg.Horizon, 1, _cfg.DimModel); // (S+2, 1, D)
        var cls_out = vae_encoder!.forward(tokens, pos, pad)[0];                                   // (B, D)
        var p = vae_encoder_latent_output_proj!.forward(cls_out);                                  // (B, 2L)
        int l = _cfg.LatentDim;
        return (p[.., ..l].MoveToOuterDisposeScope(), p[.., l..].MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The action chunk (B, S, A) from a latent (B, L), the robot state (B, Ds), the environment state (B, De) or null, and the
    /// cameras' frames, each (B, C, H, W) scaled to [-1, 1], or none.
    /// </summary>
    public Tensor Decode(Tensor z, Tensor robotState, Tensor? envState, IReadOnlyList<Tensor>? cameras = null)
    {
        using var scope = torch.NewDisposeScope();
        long b = z.shape[0];
        var tokens = new List<Tensor> { encoder_latent_input_proj.forward(z), encoder_robot_state_input_proj.forward(robotState) };
        if (encoder_env_state_input_proj is not null) tokens.Add(encoder_env_state_input_proj.forward(envState!));
        var x = torch.stack(tokens, dim: 0);                                // (N, B, D)
        var pos = encoder_1d_feature_pos_embed.weight!.unsqueeze(1);        // (N, 1, D)
        if (backbone is not null && cameras is { Count: > 0 })
        {
            var xs = new List<Tensor> { x };
            var ps = new List<Tensor> { pos };
            foreach (var frames in cameras)
            {
                var features = encoder_img_feat_input_proj!.forward(backbone.forward(frames));  // (B, D, h, w)
                xs.Add(features.flatten(2).permute(2, 0, 1));                                  // (h·w, B, D)
                ps.Add(SinusoidalPositions2d(features.shape[2], features.shape[3], _cfg.DimModel, z.device)); // (h·w, 1, D)
            }
            x = torch.cat(xs, 0);
            pos = torch.cat(ps, 0);
        }
        var memory = encoder.forward(x, pos);                               // (N, B, D)
        var queries = torch.zeros(_cfg.Horizon, b, _cfg.DimModel, device: z.device);
        var outp = decoder.forward(queries, memory, pos, decoder_pos_embed.weight!.unsqueeze(1)); // (S, B, D)
        return action_head.forward(outp.transpose(0, 1)).MoveToOuterDisposeScope(); // (B, S, A)
    }

    /// <summary>
    /// DETR's 2-D sine positions of an h x w feature map, as LeRobot's ACTSinusoidalPositionEmbedding2d: rows and columns counted
    /// from 1, normalized to (0, 2π], each encoded on D/2 channels (sin and cos interleaved, frequencies 10000^(2⌊i/2⌋/(D/2)));
    /// y's channels then x's. Returns (h·w, 1, D), row-major as the flattened feature map.
    /// </summary>
    public static Tensor SinusoidalPositions2d(long h, long w, int d, Device device)
    {
        using var scope = torch.NewDisposeScope();
        int half = d / 2;
        const double eps = 1e-6, twoPi = 2 * Math.PI;
        var y = (torch.arange(1, h + 1, dtype: ScalarType.Float32, device: device) / (h + eps) * twoPi).reshape(h, 1).expand(h, w); // (h, w)
        var x = (torch.arange(1, w + 1, dtype: ScalarType.Float32, device: device) / (w + eps) * twoPi).reshape(1, w).expand(h, w);
        var i = torch.arange(half, dtype: ScalarType.Float32, device: device);
        var inverseFrequency = torch.pow(10000f, 2 * torch.floor(i / 2) / half);                           // (D/2)
        Tensor Encode(Tensor r)
        {
            var e = r.unsqueeze(-1) / inverseFrequency;                                                       // (h, w, D/2)
            return torch.stack([e[.., .., TensorIndex.Slice(0, null, 2)].sin(), e[.., .., TensorIndex.Slice(1, null, 2)].cos()], -1).flatten(2); // (h, w, D/2)
        }
        var pos = torch.cat([Encode(y), Encode(x)], -1);                                                     // (h, w, D)
        return pos.reshape(h * w, 1, d).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Matrix-product FLOPs of one forward pass for a batch of <paramref name="batch"/> (see <see cref="TransformerFlops"/>):
    /// with <paramref name="training"/> the CVAE encoder runs too (its input projections, S + 2 tokens through its
    /// layers, the latent head); then the 2 or 3 encoder tokens, S decoder queries, and the action head.
    /// </summary>
    public static double ForwardFlops(ActConfig cfg, int robotStateDim, int envStateDim, int actionDim, int batch, bool training)
    {
        int d = cfg.DimModel, f = cfg.DimFeedforward, s = cfg.Horizon;
        int tokens = envStateDim > 0 ? 3 : 2;
        double flops = 0;
        if (training && cfg.UseVae)
            flops += TransformerFlops.Linear(1, robotStateDim, d) + TransformerFlops.Linear(s, actionDim, d)
                   + cfg.NVaeEncoderLayers * TransformerFlops.EncoderLayer(s + 2, d, f) + TransformerFlops.Linear(1, d, 2 * cfg.LatentDim);
        flops += TransformerFlops.Linear(1, cfg.LatentDim, d) + TransformerFlops.Linear(1, robotStateDim, d) + (envStateDim > 0 ? TransformerFlops.Linear(1, envStateDim, d) : 0)
               + cfg.NEncoderLayers * TransformerFlops.EncoderLayer(tokens, d, f)
               + cfg.NDecoderLayers * TransformerFlops.DecoderLayer(s, tokens, d, f)
               + TransformerFlops.Linear(s, d, actionDim);
        return flops * batch;
    }
}
