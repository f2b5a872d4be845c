using System.Text.Json.Nodes;
using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Data.Video;
using Mimicry.Tests.Cli;

namespace Mimicry.Tests.Data;

/// <summary>LeRobot v3.0 camera features stored as video: files, placements, frames read back, and broken folders.</summary>
public class LeRobotVideoTests
{
    /// <summary>The counting dataset with an image feature whose frames differ everywhere (a moving square).</summary>
    internal static EpisodeDataset WithImages(int width, int height, params int[] lengths)
    {
        var d = DatasetFactory.Make(lengths);
        var frames = VideoTests.MovingSquare((int)d.Frames, width, height);
        var features = d.Features.Append(new FeatureInfo(FeatureKeys.Image, FeatureDType.UInt8Image, [height, width, 3])).ToList();
        var values = d.Features.ToDictionary(f => f.Name, f => d.Values(f.Name));
        return new EpisodeDataset(features, d.EpisodeEnds, values, new Dictionary<string, byte[]> { [FeatureKeys.Image] = frames }, d.Fps, d.Task);
    }

    [Fact]
    public void Lossless_video_round_trip_places_episodes_in_files_by_size_and_reads_every_frame_back()
    {
        var d = WithImages(32, 24, 7, 3, 12, 5, 9);
        string dir = TempDirs.New();
        try
        {
            // 1 byte per video file: every episode starts a new file (LeRobot rolls over once a file passes the size).
            LeRobotDataset.Save(d, dir, "test", videoCodec: VideoCodec.H264Lossless, videoFileBytes: 1);
            var info = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "meta", "info.json")))!;
            var image = info["features"]![FeatureKeys.Image]!;
            Assert.Equal("video", image["dtype"]!.GetValue<string>());
            Assert.Equal("h264", image["info"]!["video.codec"]!.GetValue<string>());
            Assert.Equal(10, image["info"]!["video.fps"]!.GetValue<int>());
            Assert.Equal("videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4", info["video_path"]!.GetValue<string>());
            Assert.Equal(5, Directory.GetFiles(Path.Combine(dir, "videos", FeatureKeys.Image), "*.mp4", SearchOption.AllDirectories).Length);
            var back = LeRobotDataset.Load(dir);
            Assert.True(back.IsVideo(FeatureKeys.Image));
            Assert.Equal(d.Image(FeatureKeys.Image), back.Image(FeatureKeys.Image));
            Assert.Equal(d.Values(FeatureKeys.State), back.Values(FeatureKeys.State));

            // One file for all: from_timestamp is the frames before the episode over fps (0, 0.7, 1.0, 2.2, 2.7 for lengths 7, 3, 12, 5, 9).
            string one = TempDirs.New();
            try
            {
                LeRobotDataset.Save(d, one, "test", overwrite: true, videoCodec: VideoCodec.H264Lossless);
                Assert.Single(Directory.GetFiles(Path.Combine(one, "videos"), "*.mp4", SearchOption.AllDirectories));
                var rows = LeRobotV3.ReadEpisodes(one, 5, 36, [FeatureKeys.Image]);
                Assert.Equal([0, 0.7, 1.0, 2.2, 2.7], rows.Select(r => Math.Round(r.Videos[FeatureKeys.Image].From, 6)));
                Assert.Equal([0.7, 1.0, 2.2, 2.7, 3.6], rows.Select(r => Math.Round(r.Videos[FeatureKeys.Image].To, 6)));
                var loaded = LeRobotDataset.Load(one);
                var frames = loaded.ImageSource(FeatureKeys.Image);
                var frame = new byte[frames.FrameBytes];
                var expected = d.Image(FeatureKeys.Image);
                foreach (long f in new long[] { 35, 0, 22, 9, 10, 21 }) // random access across episode boundaries
                {
                    frames.CopyFrame(f, frame);
                    Assert.Equal(expected.AsSpan((int)(f * frame.Length), frame.Length).ToArray(), frame);
                }
                // v3.0 with video -> v2.1 (PNG in parquet) -> the same frames.
                string v21 = TempDirs.New();
                LeRobotDataset.Save(loaded, v21, "test", overwrite: true, format: LeRobotFormat.V21);
                Assert.Equal(expected, LeRobotDataset.Load(v21).Image(FeatureKeys.Image));
                TempDirs.Delete(v21);
            }
            finally { TempDirs.Delete(one); }
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Av1_by_default_within_a_stated_bound()
    {
        var d = WithImages(64, 64, 6, 9);
        string dir = TempDirs.New();
        try
        {
            LeRobotDataset.Save(d, dir, "test");
            var info = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "meta", "info.json")))!;
            Assert.Equal("av1", info["features"]![FeatureKeys.Image]!["info"]!["video.codec"]!.GetValue<string>());
            var a = d.Image(FeatureKeys.Image);
            var b = LeRobotDataset.Load(dir).Image(FeatureKeys.Image);
            // crf 30 in yuv420p: the mean absolute error over all frames stays under 8 of 255.
            double mean = Enumerable.Range(0, a.Length).Average(i => Math.Abs(a[i] - b[i]));
            Assert.True(mean < 8, $"mean abs error {mean:0.00}");
        }
        finally { TempDirs.Delete(dir); }
    }

    private static string SavedWithoutChecksums(EpisodeDataset d)
    {
        string dir = TempDirs.New();
        LeRobotDataset.Save(d, dir, "test", overwrite: true, videoCodec: VideoCodec.H264, videoFileBytes: 1);
        File.Delete(Path.Combine(dir, "meta", "checksums.json")); // the checks below are the loader's, not the checksums'
        return dir;
    }

    [Fact]
    public void Broken_video_folders_say_which_file_episode_and_feature()
    {
        var d = WithImages(32, 24, 7, 3, 12);
        string file1 = Path.Combine("videos", FeatureKeys.Image, "chunk-000", "file-001.mp4");
        // A missing video file.
        string dir = SavedWithoutChecksums(d);
        File.Delete(Path.Combine(dir, file1));
        var e1 = Assert.Throws<FileNotFoundException>(() => LeRobotDataset.Load(dir));
        Assert.Contains("file-001.mp4", e1.Message);
        TempDirs.Delete(dir);
        // A truncated one.
        dir = SavedWithoutChecksums(d);
        var bytes = File.ReadAllBytes(Path.Combine(dir, file1));
        File.WriteAllBytes(Path.Combine(dir, file1), bytes[..(bytes.Length / 3)]);
        var e2 = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir));
        Assert.Contains("file-001.mp4", e2.Message);
        TempDirs.Delete(dir);
        // Frames of the wrong size: episode 1's file swapped for one of 16x24.
        dir = SavedWithoutChecksums(d);
        VideoEncoder.Encode(Path.Combine(dir, file1), VideoTests.MovingSquare(3, 16, 24), 0, 3, 16, 24, 10, VideoCodec.H264);
        var e3 = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir));
        Assert.Contains("file-001.mp4: frames are 16x24, feature 'observation.image' is 32x24", e3.Message);
        TempDirs.Delete(dir);
        // Timestamps outside the file: episode 2 (12 frames) pointed at episode 1's 3-frame file.
        dir = SavedWithoutChecksums(d);
        File.Copy(Path.Combine(dir, file1), Path.Combine(dir, "videos", FeatureKeys.Image, "chunk-000", "file-002.mp4"), overwrite: true);
        var e4 = Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir));
        Assert.Contains("file-002.mp4, episode 2, feature 'observation.image': frames 0..11", e4.Message);
        Assert.Contains("outside the file's 3 frames", e4.Message);
        TempDirs.Delete(dir);
    }
}
