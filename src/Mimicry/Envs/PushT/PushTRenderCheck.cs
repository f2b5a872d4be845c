namespace Mimicry.Envs.PushT;

/// <summary>How far a renderer's image of each recorded state is from the image recorded with it (the zarr's <c>data/img</c>).</summary>
/// <param name="MeanAbsError">Mean |ours - recorded| over every pixel and channel of every frame (0-255).</param>
/// <param name="MaxAbsError">The largest single difference.</param>
/// <param name="ExactFraction">Share of pixel channels that are equal.</param>
/// <param name="WorstFrame">The frame with the largest mean error, and that error.</param>
public sealed record RenderError(int Frames, double MeanAbsError, int MaxAbsError, double ExactFraction, double Within8Fraction, long WorstFrame, double WorstFrameMean);

public static class PushTRenderCheck
{
    /// <summary>Renders each recorded state with <paramref name="render"/> (state → 96x96x3 bytes) and compares it with the recorded image.</summary>
    public static RenderError Compare(PushTReplayBuffer demos, byte[] recorded, Action<double[], byte[]> render, int stride = 1)
    {
        const int size = PushTRenderer.ObservationSize * PushTRenderer.ObservationSize * 3;
        long sum = 0, exact = 0, within8 = 0, count = 0;
        int max = 0, frames = 0;
        long worst = -1;
        double worstMean = -1;
        var state = new double[5];
        var ours = new byte[size];
        for (long t = 0; t < demos.Steps; t += stride)
        {
            for (int i = 0; i < 5; i++) state[i] = demos.State[t * 5 + i];
            render(state, ours);
            long frameSum = 0;
            for (int i = 0; i < size; i++)
            {
                int d = Math.Abs(ours[i] - recorded[t * size + i]);
                frameSum += d;
                if (d == 0) exact++;
                if (d <= 8) within8++;
                if (d > max) max = d;
            }
            sum += frameSum;
            count += size;
            frames++;
            double mean = frameSum / (double)size;
            if (mean > worstMean) { worstMean = mean; worst = t; }
        }
        return new RenderError(frames, sum / (double)count, max, exact / (double)count, within8 / (double)count, worst, worstMean);
    }

    /// <summary>The recorded images of a DP replay buffer (uint8 HWC).</summary>
    public static byte[] RecordedImages(string zarrPath, PushTReplayBuffer demos) => PushTImport.ReadImages(zarrPath, demos.Steps, allowMissingChunks: false);
}
