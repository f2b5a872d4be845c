using System.Text.Json.Nodes;
using Mimicry.Data;
using Mimicry.Data.LeRobot;
using Mimicry.Tests.Cli;
using Mimicry.Tests.Envs;
using Parquet;

namespace Mimicry.Tests.Data;

/// <summary>The LeRobot v3.0 layout: what is written (by LeRobot 0.6's names), what is read back, and what a broken folder says.</summary>
[Collection(nameof(MemoryMeasurements))]
public class LeRobotV3Tests
{
    private static void AssertSame(EpisodeDataset a, EpisodeDataset b)
    {
        Assert.Equal(a.EpisodeEnds, b.EpisodeEnds);
        Assert.Equal(a.Fps, b.Fps);
        Assert.Equal(a.Task, b.Task);
        Assert.Equal(a.Features.Select(f => f.Name).Order(), b.Features.Select(f => f.Name).Order());
        foreach (var f in a.Features)
        {
            Assert.Equal(f.Shape, b.Feature(f.Name).Shape);
            if (f.IsImage) Assert.Equal(a.Image(f.Name), b.Image(f.Name));
            else Assert.Equal(a.Values(f.Name), b.Values(f.Name));
        }
    }

    [Fact]
    public void Round_trip_writes_lerobot_0_6_files_and_reads_the_same_values()
    {
        var d = DatasetFactory.Make(7, 3, 12, 5, 9); // five episodes of these lengths
        string dir = TempDirs.New();
        try
        {
            LeRobotDataset.Save(d, dir, "test");
            var info = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "meta", "info.json")))!;
            Assert.Equal("v3.0", info["codebase_version"]!.GetValue<string>());
            Assert.Equal("data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet", info["data_path"]!.GetValue<string>());
            Assert.Equal(100, info["data_files_size_in_mb"]!.GetValue<int>());
            Assert.Null(info["total_chunks"]);
            // All 5 episodes in one data file; one row per episode in meta/episodes with the global index range, by hand:
            // lengths 7, 3, 12, 5, 9 start at 0, 7, 10, 22, 27 and end at 36.
            Assert.Single(Directory.GetFiles(Path.Combine(dir, "data"), "*.parquet", SearchOption.AllDirectories));
            Assert.True(File.Exists(Path.Combine(dir, "meta", "tasks.parquet")));
            var rows = LeRobotV3.ReadEpisodes(dir, 5, 36);
            Assert.Equal([0L, 7, 10, 22, 27], rows.Select(r => r.From));
            Assert.Equal([7L, 10, 22, 27, 36], rows.Select(r => r.To));
            Assert.Equal([7, 3, 12, 5, 9], rows.Select(r => r.Length));
            var back = LeRobotDataset.Load(dir);
            AssertSame(d, back);
            Assert.Equal(d.Stats!.ToJson(), back.Stats!.ToJson());
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Episodes_roll_over_into_new_data_files_by_size()
    {
        var d = DatasetFactory.Make(Enumerable.Repeat(10, 12).ToArray());
        // 300 bytes per file: a few episodes per file (the per-frame estimate here is a few dozen bytes).
        var files = LeRobotV3.Assign(d, 300);
        Assert.True(files.Distinct().Count() > 2, string.Join(", ", files));
        Assert.Equal(files.OrderBy(f => f), files); // consecutive episodes, increasing files
        string dir = TempDirs.New();
        try
        {
            IO.AtomicFile.WriteDirectory(Path.Combine(dir, "d"), tmp =>
            {
                Directory.CreateDirectory(Path.Combine(tmp, "meta"));
                LeRobotV3.Write(d, tmp, null, fileBytes: 300);
                var info = LeRobotLayout.Info(d, "test");
                LeRobotV3.AdaptInfo(info, d, [], Mimicry.Data.Video.VideoCodec.Av1);
                File.WriteAllText(Path.Combine(tmp, "meta", "info.json"), info.ToJsonString());
            });
            Assert.Equal(files.Distinct().Count(), Directory.GetFiles(Path.Combine(dir, "d", "data"), "*.parquet", SearchOption.AllDirectories).Length);
            AssertSame(d, LeRobotDataset.Load(Path.Combine(dir, "d")));
        }
        finally { TempDirs.Delete(dir); }
    }

    [Fact]
    public void Convert_v21_to_v30_and_back_keeps_every_value_and_label()
    {
        string root = TempDirs.New("convert");
        try
        {
            string v21 = Path.Combine(root, "v21"), v30 = Path.Combine(root, "v30"), back = Path.Combine(root, "back");
            Assert.Equal(0, CliTests.Run("dataset", "generate", v21, "--task", "fork", "--episodes", "8", "--format", "v2.1").Code);
            Assert.True(File.Exists(Path.Combine(v21, "meta", "episodes.jsonl")));
            var to30 = CliTests.Run("dataset", "convert", v21, v30, "--to", "v3.0");
            Assert.True(to30.Code == 0, to30.Err);
            var to21 = CliTests.Run("dataset", "convert", v30, back, "--to", "v2.1");
            Assert.True(to21.Code == 0, to21.Err);
            var (a, b, c) = (LeRobotDataset.Load(v21), LeRobotDataset.Load(v30), LeRobotDataset.Load(back));
            AssertSame(a, b);
            AssertSame(a, c);
            Assert.Equal(a.Fingerprint, c.Fingerprint);
            Assert.Equal(Mimicry.Envs.Tasks.Of(a), Mimicry.Envs.Tasks.Of(b));
            // Both layouts are verified and described by `dataset verify` and `info`.
            Assert.Equal(0, CliTests.Run("dataset", "verify", v30).Code);
            Assert.Contains("LeRobot v3.0", CliTests.Run("dataset", "info", v30).Out);
            Assert.Contains("LeRobot v2.1", CliTests.Run("dataset", "info", back).Out);
            // A mixed dataset's labels survive the trip.
            var mixed = new EpisodeDataset(a.Features, a.EpisodeEnds, a.Features.Where(f => !f.IsImage).ToDictionary(f => f.Name, f => a.Values(f.Name)),
                new Dictionary<string, byte[]>(), a.Fps, a.Task) { EpisodeLabels = Enumerable.Range(0, a.Episodes).Select(e => new EpisodeLabel(e % 2 == 0 ? "human" : "noise", 0.5 + e / 100.0)).ToArray() };
            string labelled = Path.Combine(root, "labelled");
            LeRobotDataset.Save(mixed, labelled);
            Assert.Equal(mixed.EpisodeLabels, LeRobotDataset.Load(labelled).EpisodeLabels);
        }
        finally { TempDirs.Delete(root); }
    }

    [Fact]
    public void A_hand_broken_v30_folder_is_named()
    {
        var d = DatasetFactory.Make(5, 3, 12); // three episodes
        string dir = TempDirs.New();
        try
        {
            LeRobotDataset.Save(d, dir);
            File.Delete(Path.Combine(dir, "meta", "checksums.json")); // edits below are deliberate: the index checks must catch them
            var info = Path.Combine(dir, "meta", "info.json");
            string original = File.ReadAllText(info);
            File.WriteAllText(info, original.Replace($"\"total_frames\": {d.Frames}", $"\"total_frames\": {d.Frames + 1}"));
            Assert.Contains("total_frames", Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir)).Message);
            File.WriteAllText(info, original.Replace("\"total_episodes\": 3", "\"total_episodes\": 4"));
            Assert.Contains("total_episodes", Assert.Throws<InvalidDataException>(() => LeRobotDataset.Load(dir)).Message);
            File.WriteAllText(info, original);
            string data = Directory.GetFiles(Path.Combine(dir, "data"), "*.parquet", SearchOption.AllDirectories).Single();
            File.Delete(data);
            Assert.Contains("file-000.parquet", Assert.Throws<FileNotFoundException>(() => LeRobotDataset.Load(dir)).Message);
            Directory.Delete(Path.Combine(dir, "meta", "episodes"), true);
            Assert.Contains("meta/episodes", Assert.ThrowsAny<IOException>(() => LeRobotDataset.Load(dir)).Message);
        }
        finally { TempDirs.Delete(dir); }
    }
}
